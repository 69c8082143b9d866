"""``album check``: the database and the media store agree, and every original is intact.

The same checks run on either store: the local folder or an S3 bucket (each original's bytes are
read back from the bucket and hashed, so an object changed in place is found).

Repair never deletes an original: files without a row and files whose content no longer matches
their name are moved aside into ``HOME/lost+found``; leftover temporary files from an
interrupted write (never complete originals) are removed; render jobs whose worker went
silent are put back on the queue, or failed once they have used up their attempts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from album.db import transaction
from album.home import Home
from album.jobs import stale_jobs
from album.models import Photo
from album.part_jobs import stale_parts


@dataclass
class CheckReport:
    missing_files: list[tuple[int, str]] = field(default_factory=list)  # (photo id, sha256)
    orphan_files: list[str] = field(default_factory=list)
    corrupt_files: list[str] = field(default_factory=list)
    temp_files: list[Path] = field(default_factory=list)
    stuck_jobs: int = 0
    repaired: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing_files or self.orphan_files or self.corrupt_files
                    or self.temp_files or self.stuck_jobs)

    def lines(self) -> list[str]:
        out = [f"照片 {pid} 的原图缺失（{sha[:12]}…）" for pid, sha in self.missing_files]
        out += [f"原图 {sha[:12]}… 没有对应的记录" for sha in self.orphan_files]
        out += [f"原图 {sha[:12]}… 内容与校验值不符" for sha in self.corrupt_files]
        out += [f"中断写入留下的临时文件 {p.name}" for p in self.temp_files]
        if self.stuck_jobs:
            out.append(f"{self.stuck_jobs} 个渲染任务停在进行中")
        return out


def check_home(home: Home, *, repair: bool = False) -> CheckReport:
    report = CheckReport()
    store = home.store
    with transaction(home.factory) as session:
        rows = session.execute(select(Photo.id, Photo.sha256)).all()
        # a job drawn in parts is stuck when one of its parts is (album.part_jobs)
        stuck = {proof.id for proof in stale_jobs(session, home.settings)}
        stuck |= {part.proof_id for part in stale_parts(session, home.settings)}
    referenced = {sha for _, sha in rows}
    stored = set(store.iter_originals())  # one listing, not one query per photo
    report.missing_files = [(pid, sha) for pid, sha in rows if sha not in stored]
    for sha in sorted(stored):
        if sha not in referenced:
            report.orphan_files.append(sha)
        elif store.original_digest(sha) != sha:
            report.corrupt_files.append(sha)
    report.temp_files = store.leftover_files()
    report.stuck_jobs = len(stuck)
    if repair:
        _repair(home, report)
    return report


def _repair(home: Home, report: CheckReport) -> None:
    aside = home.settings.home / "lost+found"
    for sha in report.orphan_files + report.corrupt_files:
        home.store.move_original_aside(sha, aside / sha)
        report.repaired.append(f"已移到 {aside / sha}")
    for tmp in report.temp_files:
        tmp.unlink(missing_ok=True)
        report.repaired.append(f"已删除临时文件 {tmp.name}")
    if report.stuck_jobs:
        from album.tasks import RenderQueue  # Huey is loaded only when there is a job to put back

        done = RenderQueue(home).sweep()
        if done.retried:
            report.repaired.append(f"{len(done.retried)} 个中断的渲染任务已重新排队")
        if done.failed:
            report.repaired.append(f"{len(done.failed)} 个中断的渲染任务已标为失败")
        if done.cancelled:
            report.repaired.append(f"{len(done.cancelled)} 个取消中的渲染任务已标为取消")
        if done.parts_retried:
            report.repaired.append(f"{len(done.parts_retried)} 个分段渲染任务的中断分段已重新排队")
