"""The use cases: one module per capability, between the edges and the store.

A use case is a function that takes the `Runtime` (the store, settings, catalogues, caches)
and typed values (parsed at the edge by `gis.values`, `gis.pointfiles` …), owns its
transaction (`Runtime.write` commits once at the end, `Runtime.read` never commits), and
returns typed records (`gis.incidents.records.Incident`, `gis.plans.PlanRecord` …).

The HTTP routes (``api/routes``) and the CLI (``api/cli``) are thin adapters over them:
parse → call → render. Below them: the store (`gis.db`, SQL only) and the domain (the rest
of `gis`, pure); `maps` draws what they return.
"""
