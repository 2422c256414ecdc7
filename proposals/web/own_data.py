"""The download of one's own data (下载我的数据): any logged-in user, their data only."""

from flask import Blueprint
from flask_login import current_user, login_required

from ..downloads import send
from ..reports import files

bp = Blueprint("own_data", __name__, url_prefix="/me")


@bp.get("/data.zip")
@login_required
def download():
    """Download everything of mine: data.json and the files I uploaded, in a zip."""
    return send(files.own_data_file(current_user))
