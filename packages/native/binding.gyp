{
  "targets": [
    {
      "target_name": "tensorfleet_native",
      "sources": ["src/addon.cc", "src/gemm.cc", "src/conv.cc", "src/pool.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-exceptions"],
      "libraries": ["-lopenblas"]
    }
  ]
}
