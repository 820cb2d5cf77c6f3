{
  "variables": {
    "leakguard_werror%": "<!(node -p \"process.env.LEAKGUARD_WERROR ? 'true' : 'false'\")"
  },
  "targets": [
    {
      "target_name": "leakguard",
      "sources": [
        "src/core/status.cc",
        "src/core/gc_stats.cc",
        "src/core/trend_detector.cc",
        "src/addon/module.cc",
        "src/addon/instance.cc",
        "src/addon/event_convert.cc",
        "src/addon/gc_hooks.cc",
        "src/addon/monitor_thread.cc",
        "src/addon/snapshot.cc",
        "src/addon/snapshot_binding.cc",
        "src/addon/snapshot_controller.cc",
        "src/addon/snapshot_registry.cc",
        "src/core/memory_budget.cc",
        "src/core/snapshot_file.cc",
        "src/addon/analyze.cc",
        "src/core/heap_graph.cc",
        "src/core/snapshot_reader.cc",
        "src/core/node_classes.cc",
        "src/core/dominators.cc",
        "src/core/retainer_paths.cc",
        "src/core/json_writer.cc",
        "src/core/heap_summary.cc",
        "src/core/heap_diff.cc",
        "src/core/leak_candidates.cc",
        "src/core/heap_reports.cc",
        "src/addon/v8_heap_graph.cc",
        "src/addon/heap_capture.cc"
      ],
      "include_dirs": ["src"],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_maybe"
      ],
      "cflags_cc": ["-std=gnu++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["leakguard_werror=='true'", { "cflags_cc": ["-Werror"] }]
      ],
      "xcode_settings": {
        "CLANG_CXX_LANGUAGE_STANDARD": "gnu++17",
        "OTHER_CPLUSPLUSFLAGS": ["-Wall", "-Wextra"]
      }
    }
  ]
}
