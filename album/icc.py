"""Reading ICC profiles: the header and description a PDF/X output intent and its checker need.

Shared by the settings form (refuse a profile before it is used), the print writer (embed it)
and preflight (check what was embedded), so none of them reaches into another for it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from album.errors import ConfigError

# ICC colour-space signature → number of components a PDF ICCBased stream declares (/N).
ICC_COMPONENTS = {"CMYK": 4, "RGB": 3, "GRAY": 1}


@dataclass(frozen=True)
class IccProfileInfo:
    """What a PDF/X checker needs from an ICC header: colour space, device class, description."""

    colour_space: str  # "CMYK", "RGB", "GRAY", or the raw signature
    device_class: str  # "prtr" for output profiles
    description: str
    version: str

    @property
    def components(self) -> int | None:
        return ICC_COMPONENTS.get(self.colour_space)


def parse_icc(data: bytes, source: str = "ICC") -> IccProfileInfo:
    """Read the header and 'desc' tag of an ICC profile; ValueError names what is wrong."""
    if len(data) < 132 or data[36:40] != b"acsp":
        raise ValueError(f"{source}: 不是 ICC 特性文件（缺少 acsp 标记）")
    declared = struct.unpack(">I", data[0:4])[0]
    if declared > len(data):
        raise ValueError(f"{source}: ICC 文件不完整（声明 {declared} 字节，实有 {len(data)} 字节）")
    device_class = data[12:16].decode("latin-1")
    colour_space = data[16:20].decode("latin-1").strip()
    version = f"{data[8]}.{data[9] >> 4}"
    tag_count = struct.unpack(">I", data[128:132])[0]
    description = ""
    for i in range(min(tag_count, 200)):
        entry = data[132 + 12 * i: 144 + 12 * i]
        if len(entry) < 12:
            break
        sig, offset, size = struct.unpack(">4sII", entry)
        if sig == b"desc":
            description = _read_desc(data[offset: offset + size])
            break
    return IccProfileInfo(colour_space, device_class, description, version)


def _read_desc(tag: bytes) -> str:
    """ICC v2 'desc' (ASCII) or v4 'mluc' (UTF-16BE, first record) text."""
    if tag[:4] == b"desc" and len(tag) >= 12:
        count = struct.unpack(">I", tag[8:12])[0]
        return tag[12: 12 + count].split(b"\0", 1)[0].decode("latin-1").strip()
    if tag[:4] == b"mluc" and len(tag) >= 28:
        length, offset = struct.unpack(">II", tag[20:28])
        return tag[offset: offset + length].decode("utf-16-be", "replace").strip("\0 ")
    return ""


def read_icc(icc_path: Path) -> tuple[bytes, IccProfileInfo]:
    """Load the output profile, refusing anything a PDF/X output intent cannot embed."""
    path = Path(icc_path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"找不到 ICC 特性文件：{path}") from None
    except OSError as exc:
        raise ConfigError(f"无法读取 ICC 特性文件 {path}：{exc.strerror or exc}") from exc
    try:
        info = parse_icc(data, str(path))
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if info.colour_space != "CMYK":
        raise ConfigError(f"{path}: 印刷输出需要 CMYK 特性文件，此文件的色彩空间是 {info.colour_space}")
    if info.device_class != "prtr":
        raise ConfigError(f"{path}: 不是输出设备（prtr）特性文件，而是 {info.device_class}")
    return data, info
