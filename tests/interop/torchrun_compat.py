"""torchrun for Debian 12's python3-torch 1.13 on Python 3.11, for the interop test.

On Python 3.11, torch 1.13's Std.from_str returns None for the default "no redirect" setting
(an IntFlag change), and torch.distributed.elastic's to_map then fails with
"AttributeError: 'NoneType' object has no attribute 'get'" before any worker starts. Mapping
None to Std.NONE is what 1.13 does on Python 3.10; everything else is torchrun unchanged (the
elastic agent, its store, restarts). Exits 77 when torch.distributed.run cannot be imported.
"""
import sys

try:
    import torch.distributed.elastic.multiprocessing as elastic_mp
    import torch.distributed.elastic.multiprocessing.api as elastic_api
    from torch.distributed.run import main
except ImportError as e:  # python3-torch absent
    print(f"torchrun_compat: {e}", file=sys.stderr)
    sys.exit(77)

_to_map = elastic_api.to_map


def _to_map_none_is_no_redirect(val_or_map, local_world_size):
    return _to_map(elastic_api.Std.NONE if val_or_map is None else val_or_map, local_world_size)


elastic_api.to_map = _to_map_none_is_no_redirect
elastic_mp.to_map = _to_map_none_is_no_redirect

if __name__ == "__main__":
    sys.exit(main())
