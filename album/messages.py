"""Chinese words the people who use huace read, for states and roles the core defines.

One table per vocabulary, so the review queue, a contributor's list, preflight and the command
line all say 待审 for the same state.
"""

from __future__ import annotations

from album.models import ReviewState, Role

REVIEW_STATE_NAMES = {ReviewState.submitted: "待审", ReviewState.accepted: "已采用", ReviewState.rejected: "未采用"}
ROLE_NAMES = {Role.contributor: "供稿人", Role.editor: "编辑", Role.admin: "管理员"}
PROOF_KIND_NAMES = {"proof": "校样", "print": "印刷文件", "cover": "封面"}
PROOF_STATUS_NAMES = {"queued": "排队中", "running": "渲染中", "done": "完成", "failed": "失败"}
SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}


def size_words(size: int) -> str:
    """A byte count as people say it: 80 MB, 300 KB."""
    if size >= 1 << 20:
        return f"{size / (1 << 20):.0f} MB"
    return f"{max(1, size // 1024)} KB"


def gps_words(lat: float | None, lon: float | None) -> str:
    """Coordinates as a person reads them (北纬…，东经…), or '' when the camera recorded none."""
    if lat is None or lon is None:
        return ""
    ns = "北纬" if lat >= 0 else "南纬"
    ew = "东经" if lon >= 0 else "西经"
    return f"{ns}{abs(lat):.4f}°，{ew}{abs(lon):.4f}°"
