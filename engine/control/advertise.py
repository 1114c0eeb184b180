"""Being found: the OSCQuery service (`_oscjson._tcp`) and the OSC port (`_osc._udp`)
advertised over DNS-SD/mDNS with `zeroconf`, and withdrawn (goodbye packets) on exit.

A network that drops multicast only means nobody finds us by name: a failure here is
logged, never raised, since the show and typed addresses still work.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable

import ifaddr
from zeroconf import InterfaceChoice, IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

log = logging.getLogger("engine.control")
OSCJSON = "_oscjson._tcp.local."
OSC = "_osc._udp.local."
MAX_NAME = 63  # bytes of a DNS-SD instance name


class Advertisement:
    """Both services under one instance name, on the interfaces the servers listen on.
    When the name is taken on the network, DNS-SD registers another ("NAME-2"): that
    one is what `named` is told, so HOST_INFO and the log say what clients list."""

    def __init__(self, name: str, host: str, osc_port: int,
                 named: Callable[[str], None] = lambda name: None) -> None:
        self.name = name
        self.host = host
        self.osc_port = osc_port
        self.named = named
        self.zeroconf: AsyncZeroconf | None = None
        self.infos: list[ServiceInfo] = []

    async def start(self, http_port: int) -> None:
        """Register both services (a few seconds of probing, on the caller's loop)."""
        try:
            addresses = _addresses(self.host)
            interfaces = InterfaceChoice.All if _any(self.host) else addresses
            self.zeroconf = AsyncZeroconf(interfaces=interfaces, ip_version=IPVersion.V4Only)
            server = f"{socket.gethostname().split('.')[0] or 'carte'}.local."
            name = self.name
            for kind, port in ((OSCJSON, http_port), (OSC, self.osc_port)):
                info = ServiceInfo(kind, f"{name}.{kind}", port=port,
                                   addresses=[socket.inet_aton(a) for a in addresses],
                                   server=server, properties={"txtvers": "1"})
                # the first await probes for the name (renaming it when it is taken);
                # the task it returns announces
                await (await self.zeroconf.async_register_service(info,
                                                                  allow_name_change=True))
                self.infos.append(info)
                if kind == OSCJSON:
                    name = info.name[:-len(kind) - 1]
            if name != self.name:
                log.warning("OSCQuery: the name %r is taken on this network; advertised as "
                            "%r (set [oscquery] name to choose another)", self.name, name)
            self.named(name)
            log.info("OSCQuery: advertised as %r (%s, %s)", name, OSCJSON, OSC)
        except Exception as error:  # no multicast here: found by address only
            log.warning("OSCQuery: cannot advertise on the network (%s); clients must "
                        "type the address", error)
            await self.stop()

    async def stop(self) -> None:
        if self.zeroconf is None:
            return
        zeroconf, self.zeroconf = self.zeroconf, None
        for info in self.infos:
            try:
                await (await zeroconf.async_unregister_service(info))
            except Exception as error:
                log.warning("OSCQuery: withdrawing %s failed (%s)", info.name, error)
        self.infos = []
        await zeroconf.async_close()


def _any(host: str) -> bool:
    return host in ("", "0.0.0.0", "::")


def _addresses(host: str) -> list[str]:
    """The IPv4 addresses clients should use: the configured one, or this machine's."""
    if not _any(host):
        return [str(ipaddress.ip_address(socket.gethostbyname(host)))]
    found = [str(ip.ip) for adapter in ifaddr.get_adapters() for ip in adapter.ips
             if ip.is_IPv4 and not str(ip.ip).startswith("127.")]
    return found or ["127.0.0.1"]
