"""What the kit found: one verdict per clause with its PROTOCOL.md section and evidence, as text or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    """PASS: the device did what the clause asks; FAIL: it did not; SKIP: the kit could not judge."""

    PASS = "PASS"
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass
class ClauseResult:
    """One clause of PROTOCOL.md judged against the device, with what was sent, what came back and when."""

    id: str
    title: str
    section: str
    verdict: Verdict = Verdict.SKIP
    evidence: list[str] = field(default_factory=list)
    note: str = ""

    def saw(self, line: str) -> None:
        """Add one line of evidence."""
        self.evidence.append(line)

    def passed(self, line: str = "") -> ClauseResult:
        """Mark PASS (unless already failed), with a last line of evidence."""
        if line:
            self.saw(line)
        if self.verdict is not Verdict.FAIL:
            self.verdict = Verdict.PASS
        return self

    def failed(self, line: str) -> ClauseResult:
        """Mark FAIL with the reason."""
        self.saw(f"FAIL: {line}")
        self.verdict = Verdict.FAIL
        return self

    def skipped(self, line: str) -> ClauseResult:
        """Mark SKIP with the reason (the kit could not get to judge it)."""
        self.saw(f"SKIP: {line}")
        self.verdict = Verdict.SKIP
        return self


@dataclass
class Report:
    """Every clause's result for one device under test, plus the setup the run used."""

    device_id: str
    setup: dict[str, Any] = field(default_factory=dict)
    clauses: list[ClauseResult] = field(default_factory=list)
    duration_s: float = 0.0

    def add(self, result: ClauseResult) -> ClauseResult:
        """Record a clause's result (kept in run order)."""
        self.clauses.append(result)
        return result

    def get(self, clause_id: str) -> ClauseResult | None:
        """The result of one clause by id."""
        return next((c for c in self.clauses if c.id == clause_id), None)

    def count(self, verdict: Verdict) -> int:
        """How many clauses ended with ``verdict``."""
        return sum(c.verdict is verdict for c in self.clauses)

    @property
    def kit_errors(self) -> int:
        """Clauses the kit could not judge because of its own failure (not the device's)."""
        return sum(any(e.startswith("SKIP: kit error") for e in c.evidence) for c in self.clauses)

    @property
    def ok(self) -> bool:
        """True when no clause failed (the exit code is 0)."""
        return self.count(Verdict.FAIL) == 0

    def summary(self) -> str:
        """One line: counts per verdict and the run time."""
        counts = ", ".join(f"{self.count(v)} {v.value}" for v in Verdict)
        return f"{counts} in {self.duration_s:.1f} s"

    def to_json(self) -> str:
        """The whole report as JSON (clauses in run order)."""
        data = {
            "device_id": self.device_id,
            "ok": self.ok,
            "kit_errors": self.kit_errors,
            "summary": {v.value: self.count(v) for v in Verdict},
            "duration_s": round(self.duration_s, 2),
            "setup": self.setup,
            "clauses": [asdict(c) for c in self.clauses],
        }
        return json.dumps(data, indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        """A human-readable report: one block per clause, evidence indented under it."""
        lines = [f"nguon conformance: device {self.device_id}"]
        lines += [f"  {k}: {v}" for k, v in self.setup.items()]
        lines.append("")
        for c in self.clauses:
            lines.append(f"{c.verdict.value:4}  {c.id:28} {c.section:14} {c.title}")
            lines += [f"        {e}" for e in c.evidence]
            if c.note:
                lines.append(f"        note: {c.note}")
        lines += ["", f"{'OK' if self.ok else 'NOT CONFORMANT'}: {self.summary()}"]
        return "\n".join(lines)
