{
  "variables": {
    "use_dnnl%": "0"
  },
  "targets": [
    {
      "target_name": "tensorfleet_native",
      "sources": ["src/addon.cc", "src/gemm.cc", "src/conv.cc", "src/pool.cc", "src/depthwise.cc", "src/elementwise.cc", "src/batch-norm.cc", "src/keep-mask.cc", "src/step-loops.cc"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17"],
      "libraries": ["-lopenblas"],
      "conditions": [
        ["use_dnnl==1", {
          "sources": ["src/dnnl-conv.cc"],
          "defines": ["TFNATIVE_DNNL"],
          "libraries": ["-ldnnl", "-lgomp"]
        }]
      ]
    }
  ]
}
