"""Connection to a directory tree with chroot(8), or into the container booted from it.

ansible-core ships no chroot connection and the test cannot fetch collections, so this is
the smallest one that works: the inventory host's ``ansible_host`` is the root directory,
commands run through ``chroot ROOT /bin/sh -c``, files are copied straight into the tree.
``ROOT#PID`` runs commands with ``nsenter`` inside the namespaces of PID, the init of a
container systemd-nspawn booted from ROOT (files still go straight into ROOT, which the
container sees as its /). The controller must be root.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from ansible.errors import AnsibleError
from ansible.plugins.connection import ConnectionBase

DOCUMENTATION = """
name: fedipress_chroot
short_description: Run tasks inside a directory tree with chroot (test only)
description:
  - The inventory host's address (ansible_host) is the root directory.
author: Fedipress
options: {}
"""

CLEAN_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
    "DEBIAN_FRONTEND": "noninteractive",
}


class Connection(ConnectionBase):
    transport = "fedipress_chroot"
    has_pipelining = True
    default_user = "root"

    @property
    def root(self) -> str:
        root = (self._play_context.remote_addr or "").partition("#")[0]
        if not root or not os.path.isdir(os.path.join(root, "usr")):
            raise AnsibleError(f"{root!r} is not a root file system")
        return root

    def _connect(self) -> "Connection":
        self._connected = True
        return self

    def exec_command(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        pid = (self._play_context.remote_addr or "").partition("#")[2]
        if pid:
            enter = ["nsenter", "--target", pid, "--mount", "--uts", "--ipc", "--net", "--pid",
                     "--root", "--wd"]
        else:
            enter = ["chroot", self.root]
        proc = subprocess.run(
            [*enter, "/bin/sh", "-c", cmd],
            input=in_data,
            capture_output=True,
            env=CLEAN_ENV,
            cwd="/",
            check=False,
        )
        return proc.returncode, proc.stdout, proc.stderr

    def _inside(self, path: str) -> str:
        return os.path.join(self.root, path.lstrip("/"))

    def put_file(self, in_path: str, out_path: str) -> None:
        super().put_file(in_path, out_path)
        shutil.copyfile(in_path, self._inside(out_path))

    def fetch_file(self, in_path: str, out_path: str) -> None:
        super().fetch_file(in_path, out_path)
        shutil.copyfile(self._inside(in_path), out_path)

    def close(self) -> None:
        self._connected = False
