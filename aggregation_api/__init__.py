"""The contract between an ad tech and an aggregation service: wire formats, nothing else.

Real parties share no code, only formats and an HTTP API. This package is that shared part,
as Google publishes it for its Aggregation Service: the Avro schemas of report batches, output
domains and summaries (``protocol/avro/*.avsc``) with their readers and writers
(:mod:`.avro_io`), the shared ID and privacy budget unit a batch must follow (:mod:`.budget`),
the noise parameters and their published distribution, which a client needs to explain the
noise it sees (:mod:`.noise`), and the job request rules both sides check (:mod:`.jobs`).

Both the ad tech and the aggregation service import it; it imports neither, nor Django, nor any
network or clock. The service's own logic (budget ledger, decryption, noise *sampling*) stays
private to ``aggregation/``.

It is not part of ``attribution_reporting/``: that library is the browser's API (the spec
Chromium implements) and is sans-IO, while these formats belong to another product (the
Aggregation Service) and are read and written as files with ``fastavro``, a dependency only the
aggregation's two parties need.
"""
