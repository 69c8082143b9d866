"""Chinese words the people who use huace read, for states and roles the core defines.

One table per vocabulary, so the review queue, a contributor's list, preflight and the command
line all say 待审 for the same state.
"""

from __future__ import annotations

from album.models import ReviewState, Role

REVIEW_STATE_NAMES = {ReviewState.submitted: "待审", ReviewState.accepted: "已采用", ReviewState.rejected: "未采用"}
ROLE_NAMES = {Role.contributor: "供稿人", Role.editor: "编辑", Role.admin: "管理员",
              Role.proofreader: "校对", Role.expert: "审读专家"}
PROOF_KIND_NAMES = {"proof": "校样", "print": "印刷文件", "cover": "封面"}
PROOF_STATUS_NAMES = {"queued": "排队中", "running": "渲染中", "done": "完成", "failed": "失败",
                      "cancelling": "正在取消", "cancelled": "已取消"}
SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}
GREY_PHOTOS_NAMES = {"k_only": "只印黑版", "gcr": "黑版为主，最暗处加印彩色", "cmyk": "四色印刷"}


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


# What libraries (Pillow, zipfile, csv, the OS) say in English, as a contributor reads it.
# Matched in order, case-insensitively, against the exception's message.
LIBRARY_PHRASES = (
    ("image file is truncated", "文件不完整（末尾被截断）"),
    ("truncated file read", "文件不完整（被截断）"),
    ("truncated", "文件不完整（被截断）"),
    ("broken data stream", "图像数据流已损坏"),
    ("unrecognized data stream", "图像数据无法识别"),
    ("decoder error", "图像数据无法解码"),
    ("cannot identify image file", "无法识别的图像文件"),
    ("not enough data", "图像数据不足"),
    ("buffer is not large enough", "图像数据不足"),
    ("is not a zip file", "不是有效的 zip 压缩包"),
    ("there is no item named", "压缩包里缺少应有的部分，不是完整的 Excel 工作簿"),
    ("bad magic number", "压缩包文件头已损坏"),
    ("bad crc", "压缩包内数据校验失败（已损坏）"),
    ("no such file or directory", "找不到文件"),
    ("permission denied", "没有读取权限"),
    ("unexpected end of data", "文件意外结束（不完整）"),
    ("line contains nul", "含有空字符，不是文本表格"),
    ("field larger than field limit", "某一格的内容过长"),
    ("new-line character seen in unquoted field", "换行位置不对，请另存为“CSV UTF-8”后再试"),
)
LIBRARY_ERRORS = (
    (MemoryError, "图像过大，内存不足"),
    (EOFError, "文件意外结束（不完整）"),
    (SyntaxError, "文件结构已损坏"),
    (UnicodeError, "文字编码无法识别"),
    (ValueError, "数据格式无效"),
    (OSError, "文件无法读取或解码"),
)


def explain_error(exc: BaseException) -> str:
    """A library's exception in Chinese words: a known phrase, else what kind of failure it is.

    The English original stays in logs and tracebacks; people see only this."""
    text = str(exc).lower()
    for phrase, words in LIBRARY_PHRASES:
        if phrase in text:
            return words
    for kind, words in LIBRARY_ERRORS:
        if isinstance(exc, kind):
            return words
    return "处理失败"
