# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Callback of bench/run.py: the wall-clock time of each playbook event, as JSON."""

from __future__ import annotations

DOCUMENTATION = r"""
name: bench_profile
type: aggregate
short_description: Record when the playbook, each play and each task started, for bench/run.py
description:
  - Appends one C([kind, name, epoch seconds]) event per playbook start, play start, task start,
    handler start and the final stats to the JSON file named by the environment variable
    E(SSHD_DOCTOR_BENCH_PROFILE). bench/run.py turns the events into time per task.
  - Does nothing when the variable is not set.
requirements:
  - enable in configuration
options: {}
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_profile"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self.events = []
        self.out = os.environ.get("SSHD_DOCTOR_BENCH_PROFILE")

    def _mark(self, kind, name):
        self.events.append([kind, name, time.time()])

    def v2_playbook_on_start(self, playbook):
        self._mark("playbook", getattr(playbook, "_file_name", ""))

    def v2_playbook_on_play_start(self, play):
        self._mark("play", play.get_name().strip())

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._mark("task", task.get_name().strip())

    def v2_playbook_on_handler_task_start(self, task):
        self._mark("handler", task.get_name().strip())

    def v2_playbook_on_stats(self, stats):
        self._mark("stats", "")
        if self.out:
            with open(self.out, "w", encoding="utf-8") as f:
                json.dump(self.events, f)
