# -*- Python -*-
# lit configuration of the FlashMLIR IR tests.

import os
import shutil
import sys

import lit.formats
from lit.llvm import llvm_config

config.name = "FlashMLIR"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.flash_obj_root, "test")

config.substitutions.append(("%kernels", os.path.join(config.flash_src_root, "kernels")))
config.substitutions.append(("%flash_src", config.flash_src_root))
# The Python running lit, for checks of tools' JSON reports.
config.substitutions.append(("%python", sys.executable))

llvm_config.use_default_substitutions()
# Tools run by the tests cache their kernels in the build tree.
config.environment["FLASH_CACHE_DIR"] = os.path.join(config.flash_obj_root, "test-cache")
llvm_config.with_environment("PATH", config.flash_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["flash-opt", "flash-run", "flash-tune"], [config.flash_tools_dir])

# `ptxas` feature: a ptxas to assemble the emitted PTX with (the one
# flash/Target/PTX/PTXEmitter.h's findPtxas picks): $FLASH_PTXAS when set (a
# path or a name on PATH; naming nothing executable means no ptxas), else
# `ptxas` on PATH, else /usr/local/cuda/bin/ptxas. %{ptxas} runs it.

def find_ptxas():
    requested = os.environ.get("FLASH_PTXAS")
    if requested:
        return shutil.which(requested)
    on_path = shutil.which("ptxas")
    if on_path:
        return on_path
    default = "/usr/local/cuda/bin/ptxas"
    return default if os.access(default, os.X_OK) else None


ptxas = find_ptxas()
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%{ptxas}", ptxas))
