"""Files the stack creates are owner-only: var/ (database, keys, cache) and uploads under media/."""

from __future__ import annotations

import ast
import os
import stat
import subprocess
import sys
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

ROOT = Path(__file__).resolve().parents[3]


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_database_and_var_are_owner_only_whatever_the_umask(tmp_path):
    script = (
        "import os; os.umask(0o022)\n"
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('CREATE TABLE t (x)')\n"
        "    c.execute('INSERT INTO t VALUES (1)')\n"
        "    c.execute('PRAGMA wal_checkpoint')\n"
        "    var = os.environ['DANGJIAN_VAR_DIR']\n"
    "    modes = {n: oct(os.stat(os.path.join(var, n)).st_mode & 0o777) for n in os.listdir(var)}\n"
    "    open(os.environ['OUT'], 'w').write(repr(modes))\n"
    )
    var = tmp_path / "var"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dangjian.settings", "DANGJIAN_VAR_DIR": str(var),
           "OUT": str(tmp_path / "listing"), "MEDIA_ROOT": str(tmp_path / "media")}
    env.pop("DATABASE_URL", None)
    env.pop("SQLITE_PATH", None)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)
    modes_while_open = ast.literal_eval((tmp_path / "listing").read_text())
    assert modes_while_open["dangjian.sqlite3-wal"] == "0o600"
    assert modes_while_open["dangjian.sqlite3-shm"] == "0o600"
    assert mode(var) == 0o700
    assert mode(var / "dangjian.sqlite3") == 0o600
    assert mode(var / "secret_key") == 0o600


def test_uploads_are_owner_only(settings):
    name = default_storage.save("images/new-folder/photo.png", ContentFile(b"x"))
    path = Path(settings.MEDIA_ROOT) / name
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
