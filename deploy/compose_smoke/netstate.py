"""What a Docker daemon changes on the host (iptables rules and policies, IP forwarding, bridges): saved, put back."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

IP_FORWARD = Path("/proc/sys/net/ipv4/ip_forward")

# The built-in chains of each iptables table, the state of a table that did not exist before.
BUILTIN_CHAINS = {
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "raw": ("PREROUTING", "OUTPUT"),
    "security": ("INPUT", "FORWARD", "OUTPUT"),
}


def saved_tables(dump: str) -> dict[str, str]:
    """`iptables-save` output split by table: {table name: its block from `*name` to `COMMIT`}."""
    tables = {}
    for match in re.finditer(r"^\*(\w+)\n.*?^COMMIT\n?", dump, flags=re.S | re.M):
        tables[match.group(1)] = match.group(0).rstrip("\n") + "\n"
    return tables


def restore_input(before: str, now: str) -> str:
    """`iptables-restore` input putting every table of `now` back as it was in `before`.

    A table present in `before` gets its saved block (restore flushes the table, deletes chains it does not
    name, and sets the saved policies); a table created since gets its built-in chains with ACCEPT and no rule.
    """
    old, new = saved_tables(before), saved_tables(now)
    blocks = []
    for table in new:
        if table in old:
            blocks.append(old[table])
        else:
            chains = "".join(f":{chain} ACCEPT [0:0]\n" for chain in BUILTIN_CHAINS.get(table, ()))
            blocks.append(f"*{table}\n{chains}COMMIT\n")
    return "".join(blocks)


def _run(*cmd: str, stdin: str | None = None) -> str:
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=True).stdout


def _links() -> set[str]:
    return set(re.findall(r"^\d+: ([^:@]+)", _run("ip", "-o", "link", "show"), flags=re.M))


@dataclass(frozen=True)
class NetState:
    """What a Docker daemon may change on the host, as it was when saved."""

    iptables: dict[str, str]  # iptables-save / ip6tables-save -> its output
    ip_forward: str
    links: frozenset[str]

    @classmethod
    def save(cls) -> NetState:
        dumps = {tool: _run(tool) for tool in ("iptables-save", "ip6tables-save") if shutil.which(tool)}
        return cls(dumps, IP_FORWARD.read_text().strip(), frozenset(_links()))

    def restore(self) -> list[str]:
        """Put the saved state back; what was changed back, in words."""
        done = []
        for save_tool, before in self.iptables.items():
            now = _run(save_tool)
            if now != before and saved_tables(now):
                _run(save_tool.replace("-save", "-restore"), stdin=restore_input(before, now))
                done.append(f"{save_tool.replace('-save', '')} rules and policies")
        if IP_FORWARD.read_text().strip() != self.ip_forward:
            IP_FORWARD.write_text(self.ip_forward + "\n")
            done.append(f"net.ipv4.ip_forward={self.ip_forward}")
        for link in sorted(_links() - self.links):
            if link == "docker0" or link.startswith(("br-", "veth")):
                subprocess.run(["ip", "link", "delete", link], capture_output=True)
                done.append(f"interface {link} removed")
        return done
