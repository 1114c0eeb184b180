"""The demo feeder: drops the project's sample contributions into the inbox over time,
the way a transcripteur's copy does (temporary name, then rename), so a newcomer sees
the carte come alive."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path

from engine.intake.samples import write_samples

log = logging.getLogger(__name__)


class DemoFeeder:
    def __init__(self, inbox: Path, material: Path, interval: float = 4.0) -> None:
        self.inbox = inbox
        self.material = material
        self.interval = interval
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="demo", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)

    def _run(self) -> None:
        shutil.rmtree(self.material, ignore_errors=True)
        samples = write_samples(self.material)
        log.info("demo: %d sample contributions, one every %g s", len(samples), self.interval)
        for sample in samples:
            if self.stopping.wait(self.interval):
                return
            target = self.inbox / sample.relative_to(self.material)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")
            shutil.copyfile(sample, partial)
            os.replace(partial, target)
        log.info("demo: every sample dropped")
