def test_walk_to_every_state(cast):
    for state in (
        "draft",
        "cosigning",
        "review",
        "withdrawn",
        "accepted",
        "rejected",
        "merged",
        "assigned",
        "in_progress",
        "replied",
        "closed",
        "archived",
    ):
        assert cast.proposal_in(state).state == state
