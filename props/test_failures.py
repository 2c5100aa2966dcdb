"""test_failures.py - a property failure reads well: only the fields that
differ (system.describe_diff), GFP masks by name (system.gfp_name, as kfz
prints them), error codes by name; exported programs carry their stamps."""
import os

import kalloc as K
import ops
import system as S


def test_diff_names_only_the_fields_that_differ():
    lib = {"active_objs": 3, "num_objs": 8, "objsize": 64, "zone": {"nr_free": [1, 2, 3]}}
    model = dict(lib, active_objs=4, zone={"nr_free": [1, 5, 3]})
    assert S.describe_diff(lib, model, "kmalloc-64") == [
        "kmalloc-64.active_objs: library 3, model 4",
        "kmalloc-64.zone.nr_free[1]: library 2, model 5"]
    assert S.describe_diff(lib, dict(lib)) == []          # the healthy case says nothing


def test_diff_names_error_codes():
    assert S.describe_diff({"last_error": K.KERR_DOUBLE_FREE}, {"last_error": K.KERR_WRONG_OWNER}) == [
        "last_error: library 'KERR_DOUBLE_FREE', model 'KERR_WRONG_OWNER'"]


def test_gfp_masks_by_name():
    assert S.gfp_name(K.GFP_KERNEL) == "GFP_KERNEL"
    assert S.gfp_name(K.GFP_KERNEL | K.__GFP_ZERO | K.__GFP_DMA) == "GFP_KERNEL | __GFP_DMA | __GFP_ZERO"
    assert S.gfp_name(K.GFP_ATOMIC) == "GFP_ATOMIC"
    assert S.gfp_name(0x10000000) == "0x10000000"


def test_exports_are_stamped(tmp_path):
    data = bytes(8) + bytes([0, 1, 7, 0, 0, 0, 0, 0])
    path = ops.save_failure(data, "a failure", str(tmp_path), "t")
    raw = open(path, "rb").read()
    assert ops.decode(raw).text().startswith("machine(") and "target=none, alloc=kalloc" in ops.decode(raw).text()
    assert os.path.exists(path[:-4] + ".txt")
