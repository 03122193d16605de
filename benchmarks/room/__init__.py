"""The room benchmark's parts: where the room is (:mod:`.lab`), one attendee's browser
(:mod:`.attendee`), what its open pages poll (:mod:`.polls`), the seven steps (:mod:`.walk`), a run
and its checks (:mod:`.run`), the room's process and CPU (:mod:`.server`) and the output
(:mod:`.report`). ``python -m benchmarks.bench_room`` is the entry point."""
