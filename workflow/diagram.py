"""The lifecycle as a Mermaid state diagram."""

from .engine import Lifecycle


def mermaid(lifecycle: Lifecycle) -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {lifecycle.initial}"]
    for event in lifecycle.events.values():
        who = ", ".join(event.who)
        seen = set()
        for t in event.transitions:
            for source in t.sources:
                dest = t.dest or source
                if (source, dest) in seen:
                    continue
                seen.add((source, dest))
                lines.append(f"    {source} --> {dest}: {event.name} ({who})")
    for name, spec in lifecycle.states.items():
        if spec.get("final"):
            lines.append(f"    {name} --> [*]")
    return "\n".join(lines) + "\n"
