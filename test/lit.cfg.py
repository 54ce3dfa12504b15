# -*- Python -*-
# lit configuration of the FlashMLIR IR tests.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "FlashMLIR"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.flash_obj_root, "test")

config.substitutions.append(("%kernels", os.path.join(config.flash_src_root, "kernels")))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.flash_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["flash-opt", "flash-run"], [config.flash_tools_dir])
