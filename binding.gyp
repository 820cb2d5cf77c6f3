{
  "variables": {
    "leakguard_werror%": "<!(node -p \"process.env.LEAKGUARD_WERROR ? 'true' : 'false'\")"
  },
  "targets": [
    {
      "target_name": "leakguard",
      "sources": [
        "src/core/base/byte_format.cc",
        "src/core/base/json_writer.cc",
        "src/core/base/status.cc",
        "src/core/monitor/gc_stats.cc",
        "src/core/monitor/timeline.cc",
        "src/core/monitor/robust_trend.cc",
        "src/core/monitor/detector/detector_options.cc",
        "src/core/monitor/detector/leak_detector.cc",
        "src/core/monitor/detector/leak_reason.cc",
        "src/core/monitor/detector/native_memory.cc",
        "src/core/monitor/detector/probe_schedule.cc",
        "src/core/monitor/detector/seasonal.cc",
        "src/core/monitor/detector/time_to_limit.cc",
        "src/core/monitor/detector/trend_window.cc",
        "src/core/monitor/detector/window_reading.cc",
        "src/core/heap/dominators.cc",
        "src/core/heap/heap_graph.cc",
        "src/core/heap/node_classes.cc",
        "src/core/heap/functions.cc",
        "src/core/heap/retainer_paths.cc",
        "src/core/heap/snapshot_meta.cc",
        "src/core/heap/snapshot_parser.cc",
        "src/core/heap/snapshot_reader.cc",
        "src/core/analysis/heap_diff.cc",
        "src/core/analysis/heap_reports.cc",
        "src/core/analysis/heap_summary.cc",
        "src/core/analysis/leak_candidates.cc",
        "src/core/capture/checked_directory.cc",
        "src/core/capture/memory_budget.cc",
        "src/core/capture/snapshot_file.cc",
        "src/addon/env/module.cc",
        "src/addon/options/core_functions.cc",
        "src/addon/napi/errors.cc",
        "src/addon/env/instance.cc",
        "src/addon/env/libstdcxx_compat.cc",
        "src/addon/options/options_table.cc",
        "src/addon/env/process_registry.cc",
        "src/addon/files/files_binding.cc",
        "src/addon/monitor/event_convert.cc",
        "src/addon/monitor/gc_hooks.cc",
        "src/addon/monitor/monitor_thread.cc",
        "src/addon/snapshot/near_heap_limit.cc",
        "src/addon/snapshot/snapshot.cc",
        "src/addon/snapshot/snapshot_binding.cc",
        "src/addon/snapshot/snapshot_controller.cc",
        "src/addon/sampling/allocation_profile.cc",
        "src/addon/analysis/analyze.cc",
        "src/addon/analysis/heap_capture.cc",
        "src/addon/analysis/v8_heap_graph.cc"
      ],
      "include_dirs": ["src"],
      "defines": [
        # A worker being terminated cannot run JS, so napi_throw fails there;
        # without this, node-addon-api (no C++ exceptions) makes that failed
        # throw fatal for the whole process. With it, the throw is dropped
        # and the call returns its empty value to a script that is ending.
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_maybe"
      ],
      "cflags_cc": ["-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["leakguard_werror=='true'", { "cflags_cc": ["-Werror"] }]
      ],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-Wall", "-Wextra"]
      }
    }
  ]
}
