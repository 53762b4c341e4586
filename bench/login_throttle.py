"""Cost of one log-in attempt while one user name is under a distributed guessing attack (issue 9).

A throw-away SQLite database whose audit log holds N ``login.failed`` rows of ``admin`` from N addresses (one
every 0.5 s back from now) and N other rows; then, best of 5 each: an unknown address (slowed, password not
checked), a known address with the right password, the same with wrong ones (five: the fifth locks that address),
and the password check alone. ``--no-index`` drops the
``ix_audit_log_object_action_at`` index first, for comparison. One JSON line per case on stdout.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from source_server.accounts.models import AuditEntry, User
from source_server.accounts.passwords import verify_password
from source_server.accounts.service import Role, create_user
from source_server.accounts.sessions import authenticate
from source_server.config import Settings
from source_server.db import make_engine, make_sessionmaker, utcnow
from source_server.migrate import upgrade

PASSWORD = "mật-khẩu-đủ-dài-2026"


def _row(at: object, user: str, action: str, ip: str) -> dict[str, object]:
    return {"at": at, "actor": user, "action": action, "object_type": "user", "object_id": user, "source_ip": ip,
            "detail": {}, "summary": ""}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--failures", type=int, default=200_000)
    parser.add_argument("--no-index", action="store_true")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="nguon-login-bench-"))
    try:
        url = f"sqlite:///{directory / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        now, n = utcnow(), args.failures
        with sessions.begin() as db:
            create_user(db, username="admin", full_name="", grants=[(Role.PROVINCE_ADMIN, "64")], password=PASSWORD)
            rows = [_row(now - timedelta(seconds=i / 2), "admin", "login.failed", f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")
                    for i in range(n)]  # fmt: skip
            rows += [_row(now - timedelta(days=i % 300), f"u{i % 500}", "login.success", "192.0.2.1") for i in range(n)]
            rows.append(_row(now - timedelta(days=3), "admin", "login.success", "192.0.2.50"))
            for i in range(0, len(rows), 5000):
                db.execute(insert(AuditEntry), rows[i : i + 5000])
        if args.no_index:
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP INDEX ix_audit_log_object_action_at")
        cfg = Settings()
        cases = (
            ("unknown address", "198.51.100.1", "guess"),
            ("known address, right password", "192.0.2.50", PASSWORD),
            ("known address, wrong password", "192.0.2.50", "guess"),
        )
        for label, ip, password in cases:
            best, result = float("inf"), None
            for _ in range(5):
                t = time.perf_counter()
                with sessions.begin() as db:
                    result, _ = authenticate(db, username="admin", password=password, ip=ip, cfg=cfg)
                best = min(best, time.perf_counter() - t)
            out = {"case": label, "result": result and result.value, "best_ms": round(best * 1000, 1),
                   "failed_rows": n, "index": not args.no_index}  # fmt: skip
            print(json.dumps(out))
        with sessions() as db:
            user_hash = db.scalar(select(User.password_hash).where(User.username == "admin"))
        t = time.perf_counter()
        verify_password(user_hash, PASSWORD)
        print(json.dumps({"case": "password check alone", "best_ms": round((time.perf_counter() - t) * 1000, 1)}))
        engine.dispose()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
