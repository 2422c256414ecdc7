"""The download of one's own data (下载我的数据): any logged-in user, their data only."""

from flask import Blueprint
from flask_babel import gettext
from flask_login import current_user, login_required

from ..operations import clock
from ..reports import own_data
from .exports import _download

bp = Blueprint("own_data", __name__, url_prefix="/me")


@bp.get("/data.zip")
@login_required
def download():
    """Download everything of mine: data.json and the files I uploaded, in a zip."""
    body = own_data.to_zip(current_user)
    stamp = clock.local_date(clock.utcnow()).isoformat()
    name = f"{gettext('My data')}-{current_user.username}-{stamp}.zip"
    return _download(body, "application/zip", name, f"my-data-{current_user.username}-{stamp}.zip")
