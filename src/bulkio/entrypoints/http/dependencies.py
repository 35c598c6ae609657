"""Bridges from Litestar's dependency injection to the container's providers."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from bulkio.config import Settings
from bulkio.ports.clock import Clock
from bulkio.services.exporting import ExportStreamer
from bulkio.services.jobs import JobService
from bulkio.services.submitting import JobSubmitter


def provide_submitter(state: State) -> JobSubmitter:
    return state.container.submitter()


def provide_jobs(state: State) -> JobService:
    return state.container.job_service()


def provide_streamer(state: State) -> ExportStreamer:
    return state.container.export_streamer()


def provide_settings(state: State) -> Settings:
    return state.container.settings()


def provide_clock(state: State) -> Clock:
    return state.container.clock()


DEPENDENCIES = {
    "submitter": Provide(provide_submitter, sync_to_thread=False),
    "jobs": Provide(provide_jobs, sync_to_thread=False),
    "streamer": Provide(provide_streamer, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "clock": Provide(provide_clock, sync_to_thread=False),
}

# Handler parameter types: injected by name, never validated (they are services, not data).
Submitter = NamedDependency[SkipValidation[JobSubmitter]]
Jobs = NamedDependency[SkipValidation[JobService]]
Streamer = NamedDependency[SkipValidation[ExportStreamer]]
Config = NamedDependency[SkipValidation[Settings]]
Clocks = NamedDependency[SkipValidation[Clock]]
