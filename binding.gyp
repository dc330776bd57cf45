{
  "variables": {
    "libtorch%": "<!(node -p \"process.env.LIBTORCH || ''\")",
    "cxx_std%": "<!(node -e \"const fs=require('fs');const h=(process.env.LIBTORCH||'/usr')+'/include/ATen/ATen.h';console.log(fs.existsSync(h)&&fs.readFileSync(h,'utf8').includes('202002L')?'c++20':'c++17')\")",
    "cuda_libtorch%": "<!(node -p \"process.env.LIBTORCH && require('fs').existsSync(process.env.LIBTORCH + '/lib/libtorch_cuda.so') ? 1 : 0\")"
  },
  "targets": [
    {
      "target_name": "dnas",
      "sources": [
        "src/native/addon.cc",
        "src/native/handle.cc",
        "src/native/ops_tensor.cc",
        "src/native/ops_nn.cc",
        "src/native/ops_depthwise.cc",
        "src/native/ops_batchnorm.cc",
        "src/native/ops_weighted_sum.cc",
        "src/native/ops_separable.cc",
        "src/native/ops_cat.cc",
        "src/native/ops_drop_path_sum.cc",
        "src/native/ops_factorized_reduce.cc",
        "src/native/ops_autograd.cc",
        "src/native/ops_distributed.cc",
        "src/native/cpu_allocator.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "ldflags": ["-fopenmp"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=<(cxx_std)", "-fexceptions", "-frtti", "-O2", "-fopenmp", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "conditions": [
        ["libtorch==''", {
          "include_dirs": ["/usr/include/torch/csrc/api/include"],
          "libraries": ["-ltorch", "-ltorch_cpu", "-lc10"]
        }, {
          "include_dirs": ["<(libtorch)/include", "<(libtorch)/include/torch/csrc/api/include"],
          "libraries": [
            "-L<(libtorch)/lib", "-Wl,-rpath,<(libtorch)/lib",
            "-Wl,--no-as-needed", "-ltorch", "-ltorch_cpu", "-lc10",
            "<!(node -e \"const fs=require('fs');const l=process.env.LIBTORCH+'/lib';console.log(fs.existsSync(l+'/libtorch_cuda.so')?'-ltorch_cuda -lc10_cuda':'')\")",
            "-Wl,--as-needed"
          ]
        }],
        ["cuda_libtorch==1", {
          "defines": ["DNAS_CUDA_LIBTORCH"]
        }]
      ]
    }
  ]
}
