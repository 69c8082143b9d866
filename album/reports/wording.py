"""The sentences reports share: what a round is called, the 通报's title and its summary."""

from __future__ import annotations

from album.campaign.progress import Progress
from album.reports.columns import percent


def round_words(progress: Progress) -> str:
    found = progress.round
    if found is None:
        return "全部征集批次"
    return f"第{found.number}批征集（{found.starts_on:%Y年%m月%d日}至{found.deadline:%Y年%m月%d日}）"


def summary_lines(progress: Progress) -> list[str]:
    """The paragraph-sized facts that open every 通报."""
    t = progress.totals
    reporting = sum(1 for r in progress.units if r.figures.submitted)
    lines = [f"统计范围：{round_words(progress)}，截至{progress.today:%Y年%m月%d日}。",
             f"参与单位 {len(progress.units)} 个，已报送 {reporting} 个，尚未报送 {len(progress.units) - reporting} 个。",
             f"共报送照片 {t.submitted} 张：采用 {t.accepted} 张，未采用 {t.rejected} 张，待审 {t.pending} 张，"
             f"采用率 {percent(t.acceptance_rate) or '—'}。",
             f"图片说明齐全程度：有说明 {t.with_caption} 张，有摄影者 {t.with_photographer} 张，"
             f"有地点 {t.with_place} 张，有日期 {t.with_date} 张；分辨率不足 {t.low_ppi} 张，疑似重复 {t.duplicates} 张。"]
    if progress.deadline is not None:
        days = progress.days_left or 0
        when = f"还有 {days} 天" if days >= 0 else f"已过 {-days} 天"
        lines.append(f"截止日期 {progress.deadline:%Y年%m月%d日}，{when}。")
    lines.append(f"未完成目标的单位 {len(progress.lagging)} 个（名单附后）。")
    if progress.without_unit.submitted:
        lines.append(f"另有 {progress.without_unit.submitted} 张照片的供稿单位尚未对应到单位名单。")
    return lines


def report_title(album_title: str, number: int | None = None) -> str:
    """The 通报's title; with its number where no separate 第N期 line follows (a sheet's first cell)."""
    title = f"《{album_title}》图片征集工作进展通报"
    return f"{title}（第{number}期）" if number else title
