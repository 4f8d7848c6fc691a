#!/usr/bin/env python3
"""Writes GPTQ and AWQ fixtures: known 4-bit codes packed exactly as AutoGPTQ and AutoAWQ save them.

Needs only numpy (no torch): the packing is written here from the libraries' documented formats, and the files are
written in the safetensors format by hand. Two sets, written into the repository:

jllm-core/src/test/resources/ai/jllm/quant/layers.safetensors -- single layers, for the unpacking tests:
  <case>.qweight, .qzeros, .scales, [.g_idx]   as the library stores them
  <case>.codes   U8  [out, in]     the code of every weight, in natural order
  <case>.zero    U8  [groups, out] the true zero point (GPTQ's checkpoint stores it minus one)
  <case>.scale   F32 [groups, out]
  <case>.group   I32 [in]          the group of every input column
  cases: gptq (sym, g128), gptq_asym_act_order (desc_act, g32), gptq_v2 (no minus one, g64), awq (g128)
  and rtn.*: float weights with jllm build's round-to-nearest int8 and int4 (g64) codes computed here in numpy

jllm-cpu/src/test/resources/quant/<case>/ -- tiny Llama/Qwen2 checkpoints (config.json with quantization_config,
  model.safetensors, generation_config.json) and reference.safetensors holding the natural codes, zeros, scales and
  groups of every quantized projection under the checkpoint's names, from which the Java test builds the dense model
  that the quantized one must match.

Usage: make_quant_fixtures.py   (from anywhere; paths are relative to the repository)
       make_quant_fixtures.py --qwen2.5-0.5b-gptq DIR
         writes a Qwen2.5-0.5B-shaped checkpoint of random 4-bit GPTQ codes (groups of 128) into DIR, for
         scripts/bench-engine-load.sh: no reference, just the size and layout of the real thing.
"""
import json
import os
import struct
import sys

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CORE_OUT = os.path.join(ROOT, "jllm-core", "src", "test", "resources", "ai", "jllm", "quant")
CPU_OUT = os.path.join(ROOT, "jllm-cpu", "src", "test", "resources", "quant")

# AutoAWQ packs output column 8j + AWQ_ORDER[k] into nibble k of word j.
AWQ_ORDER = (0, 2, 4, 6, 1, 3, 5, 7)

DTYPE_NAMES = {np.dtype(np.float16): "F16", np.dtype(np.float32): "F32", np.dtype(np.int32): "I32",
               np.dtype(np.uint8): "U8", np.dtype(np.int8): "I8"}


def write_safetensors(path, tensors, metadata=None):
    """The safetensors format: u64 LE header length, JSON header padded with spaces to 8 bytes, data back to back."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    blobs = []
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": DTYPE_NAMES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


def column_groups(rng, inp, group_size, act_order):
    """The group of every input column: runs of group_size, or with act-order the runs of a random permutation (the
    order GPTQ quantized the columns in, by decreasing Hessian diagonal)."""
    if not act_order:
        return (np.arange(inp) // group_size).astype(np.int32)
    perm = rng.permutation(inp)
    group = np.empty(inp, dtype=np.int32)
    group[perm] = np.arange(inp) // group_size
    return group


def quantize(rng, out, inp, group_size, group, sym, min_zero):
    """Random weights quantized per group of columns.

    Returns codes [out, in] (uint8), zeros [groups, out] (true zero points), scales [groups, out] (float16).
    """
    groups = inp // group_size
    weight = rng.normal(0.0, 0.05, size=(out, inp)).astype(np.float32)
    codes = np.zeros((out, inp), dtype=np.uint8)
    zeros = np.zeros((groups, out), dtype=np.uint8)
    scales = np.zeros((groups, out), dtype=np.float16)
    for g in range(groups):
        columns = np.nonzero(group == g)[0]
        w = weight[:, columns]
        lo = np.minimum(w.min(axis=1), 0.0)
        hi = np.maximum(w.max(axis=1), 0.0)
        if sym:
            bound = np.maximum(np.abs(lo), hi)
            scale = (2 * bound / 15).astype(np.float16)
            zero = np.full(out, 8)
        else:
            scale = ((hi - lo) / 15).astype(np.float16)
            zero = np.clip(np.round(-lo / scale.astype(np.float32)), min_zero, 15)
        scale32 = scale.astype(np.float32)
        q = np.clip(np.round(w / scale32[:, None]) + zero[:, None], 0, 15)
        codes[:, columns] = q.astype(np.uint8)
        zeros[g] = zero.astype(np.uint8)
        scales[g] = scale
    return codes, zeros, scales


def pack_gptq(codes, zeros, minus_one):
    """AutoGPTQ: qweight [in/8, out], nibble k of word [j, o] = code of input 8j+k; qzeros [groups, out/8] likewise
    along the outputs, each zero stored minus one in the original (v1) format."""
    intweight = codes.T.astype(np.uint32)                      # [in, out]
    qweight = np.zeros((intweight.shape[0] // 8, intweight.shape[1]), dtype=np.uint32)
    for k in range(8):
        qweight |= intweight[k::8] << np.uint32(4 * k)
    stored = zeros.astype(np.uint32) - (1 if minus_one else 0)   # [groups, out]
    qzeros = np.zeros((stored.shape[0], stored.shape[1] // 8), dtype=np.uint32)
    for k in range(8):
        qzeros |= (stored[:, k::8] & 0xF) << np.uint32(4 * k)
    return qweight.view(np.int32), qzeros.view(np.int32)


def pack_awq(codes, zeros):
    """AutoAWQ GEMM: qweight [in, out/8], nibble k of word [i, j] = code of output 8j + AWQ_ORDER[k]; qzeros alike."""
    def pack(values):                                          # values: [rows, out]
        packed = np.zeros((values.shape[0], values.shape[1] // 8), dtype=np.uint32)
        for k in range(8):
            packed |= values[:, AWQ_ORDER[k]::8].astype(np.uint32) << np.uint32(4 * k)
        return packed.view(np.int32)
    return pack(codes.T), pack(zeros)


LAYER_CASES = {
    "gptq": dict(method="gptq", group=128, act_order=False, sym=True, minus_one=True),
    "gptq_asym_act_order": dict(method="gptq", group=32, act_order=True, sym=False, minus_one=True),
    "gptq_v2": dict(method="gptq", group=64, act_order=False, sym=False, minus_one=False),
    "awq": dict(method="awq", group=128, act_order=False, sym=False, minus_one=False),
}


def packed_layer(rng, prefix, out, inp, case, tensors, reference, group=None):
    """One projection quantized and packed as its library does; group: the column groups, shared by projections that
    read the same input (q, k and v; gate and up), as GPTQ's act-order gives them."""
    if group is None:
        group = column_groups(rng, inp, case["group"], case["act_order"])
    # GPTQ's original format cannot store a zero point of 0 (it would be -1), so its fixtures keep zeros >= 1.
    min_zero = 1 if case["minus_one"] else 0
    codes, zeros, scales = quantize(rng, out, inp, case["group"], group, case["sym"], min_zero)
    if case["method"] == "gptq":
        qweight, qzeros = pack_gptq(codes, zeros, case["minus_one"])
        tensors[prefix + ".qweight"] = qweight
        tensors[prefix + ".qzeros"] = qzeros
        tensors[prefix + ".scales"] = scales
        tensors[prefix + ".g_idx"] = group
    else:
        qweight, qzeros = pack_awq(codes, zeros)
        tensors[prefix + ".qweight"] = qweight
        tensors[prefix + ".qzeros"] = qzeros
        tensors[prefix + ".scales"] = scales
    reference[prefix + ".codes"] = codes
    reference[prefix + ".zero"] = zeros
    reference[prefix + ".scale"] = scales.astype(np.float32)
    reference[prefix + ".group"] = group


def round_to_nearest(weight, group_size):
    """jllm build's round-to-nearest, in float32 with ties to even: int8 per row (symmetric), int4 per group
    (asymmetric; a constant group takes scale |w|, or 1 when it is all zeros)."""
    f32 = np.float32
    scale8 = np.abs(weight).max(axis=1) / f32(127)
    scale8 = np.where(scale8 > 0, scale8, f32(1)).astype(np.float32)
    codes8 = np.clip(np.rint(weight / scale8[:, None]), -127, 127).astype(np.int8)
    out, inp = weight.shape
    groups = inp // group_size
    codes4 = np.zeros((out, inp), dtype=np.uint8)
    scale4 = np.zeros((out, groups), dtype=np.float32)
    zero4 = np.zeros((out, groups), dtype=np.uint8)
    for r in range(out):
        for g in range(groups):
            w = weight[r, g * group_size:(g + 1) * group_size]
            lo, hi = w.min(), w.max()
            scale = (hi - lo) / f32(15)
            if not scale > 0:
                scale = np.abs(hi) if hi != 0 else f32(1)
            zero = np.clip(np.rint(-lo / scale), 0, 15)
            codes4[r, g * group_size:(g + 1) * group_size] = np.clip(np.rint(w / scale) + zero, 0, 15)
            scale4[r, g] = scale
            zero4[r, g] = zero
    return codes8, scale8, codes4, scale4, zero4


def write_layers(rng):
    os.makedirs(CORE_OUT, exist_ok=True)
    tensors = {}
    for name, case in LAYER_CASES.items():
        packed_layer(rng, name, 64, 256, case, tensors, tensors)
    weight = rng.normal(0.0, 0.05, size=(12, 256)).astype(np.float32)
    weight[3] = 0.0                           # a row of zeros
    weight[5, 64:128] = np.float32(0.125)      # a constant group
    weight[7, 128:192] = np.float32(-0.5)
    weight[9, :8] = np.float32(1.5)            # an outlier that sets the row's int8 scale
    codes8, scale8, codes4, scale4, zero4 = round_to_nearest(weight, 64)
    tensors.update({"rtn.weight": weight, "rtn.int8.codes": codes8, "rtn.int8.scale": scale8,
                    "rtn.int4.codes": codes4, "rtn.int4.scale": scale4, "rtn.int4.zero": zero4})
    write_safetensors(os.path.join(CORE_OUT, "layers.safetensors"), tensors)
    with open(os.path.join(CORE_OUT, "layers.json"), "w") as f:
        json.dump({name: dict(case, out=64, inp=256) for name, case in LAYER_CASES.items()}, f, indent=2)
        f.write("\n")


VOCAB = 128
HIDDEN = 128
INTERMEDIATE = 128
LAYERS = 2
HEADS = 4
KV_HEADS = 2

MODEL_CASES = {
    # Llama, symmetric GPTQ in groups of 128 (AutoGPTQ's defaults), untied lm_head.
    "gptq-llama": dict(arch="LlamaForCausalLM", model_type="llama", tie=False,
                       quant={"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False, "sym": True,
                              "checkpoint_format": "gptq"},
                       layer=LAYER_CASES["gptq"]),
    # Qwen2 (q/k/v biases, tied embeddings), asymmetric act-order GPTQ in groups of 32.
    "gptq-act-order-qwen2": dict(arch="Qwen2ForCausalLM", model_type="qwen2", tie=True,
                                 quant={"quant_method": "gptq", "bits": 4, "group_size": 32, "desc_act": True,
                                        "sym": False},
                                 layer=LAYER_CASES["gptq_asym_act_order"]),
    # Llama, AWQ GEMM in groups of 64.
    "awq-llama": dict(arch="LlamaForCausalLM", model_type="llama", tie=False,
                      quant={"quant_method": "awq", "bits": 4, "group_size": 64, "zero_point": True,
                             "version": "gemm"},
                      layer=dict(LAYER_CASES["awq"], group=64)),
}


def write_model(rng, name, case):
    out_dir = os.path.join(CPU_OUT, name)
    os.makedirs(out_dir, exist_ok=True)
    head_dim = HIDDEN // HEADS
    config = {
        "architectures": [case["arch"]], "model_type": case["model_type"], "vocab_size": VOCAB,
        "hidden_size": HIDDEN, "intermediate_size": INTERMEDIATE, "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS, "num_key_value_heads": KV_HEADS, "hidden_act": "silu",
        "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "max_position_embeddings": 256,
        "tie_word_embeddings": case["tie"], "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float16",
        "quantization_config": case["quant"],
    }
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": 1, "eos_token_id": 2}, f, indent=2)
        f.write("\n")

    def dense(*shape, scale=0.05, mean=0.0):
        return (mean + rng.normal(0.0, scale, size=shape)).astype(np.float16)

    tensors = {"model.embed_tokens.weight": dense(VOCAB, HIDDEN, scale=1.0)}
    reference = {}
    q, kv = HEADS * head_dim, KV_HEADS * head_dim
    shapes = {"self_attn.q_proj": (q, HIDDEN), "self_attn.k_proj": (kv, HIDDEN), "self_attn.v_proj": (kv, HIDDEN),
              "self_attn.o_proj": (HIDDEN, q), "mlp.gate_proj": (INTERMEDIATE, HIDDEN),
              "mlp.up_proj": (INTERMEDIATE, HIDDEN), "mlp.down_proj": (HIDDEN, INTERMEDIATE)}
    for layer in range(LAYERS):
        p = "model.layers.%d." % layer
        tensors[p + "input_layernorm.weight"] = dense(HIDDEN, scale=0.1, mean=1.0)
        tensors[p + "post_attention_layernorm.weight"] = dense(HIDDEN, scale=0.1, mean=1.0)
        layer_case = case["layer"]
        attention_input = column_groups(rng, HIDDEN, layer_case["group"], layer_case["act_order"])
        mlp_input = column_groups(rng, HIDDEN, layer_case["group"], layer_case["act_order"])
        shared = {"self_attn.q_proj": attention_input, "self_attn.k_proj": attention_input,
                  "self_attn.v_proj": attention_input, "mlp.gate_proj": mlp_input, "mlp.up_proj": mlp_input}
        for proj, (out, inp) in shapes.items():
            packed_layer(rng, p + proj, out, inp, layer_case, tensors, reference, shared.get(proj))
        if case["arch"] == "Qwen2ForCausalLM":
            for proj, size in (("q_proj", q), ("k_proj", kv), ("v_proj", kv)):
                tensors[p + "self_attn." + proj + ".bias"] = dense(size, scale=0.1)
    tensors["model.norm.weight"] = dense(HIDDEN, scale=0.1, mean=1.0)
    if not case["tie"]:
        tensors["lm_head.weight"] = dense(VOCAB, HIDDEN, scale=0.1)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), tensors, {"format": "pt"})
    write_safetensors(os.path.join(out_dir, "reference.safetensors"), reference)


def write_qwen_shaped_gptq(out_dir):
    """Random GPTQ codes in the shape of Qwen2.5-0.5B (24 layers, hidden 896, intermediate 4864, 14/2 heads)."""
    rng = np.random.default_rng(1)
    os.makedirs(out_dir, exist_ok=True)
    hidden, inter, layers, vocab, q, kv = 896, 4864, 24, 151936, 896, 128
    config = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": vocab,
              "hidden_size": hidden, "intermediate_size": inter, "num_hidden_layers": layers,
              "num_attention_heads": 14, "num_key_value_heads": 2, "hidden_act": "silu", "rms_norm_eps": 1e-6,
              "rope_theta": 1000000.0, "max_position_embeddings": 32768, "tie_word_embeddings": True,
              "bos_token_id": 151643, "eos_token_id": 151645, "torch_dtype": "float16",
              "quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False,
                                      "sym": True, "checkpoint_format": "gptq"}}
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    tensors = {"model.embed_tokens.weight": rng.normal(0, 1, (vocab, hidden)).astype(np.float16),
               "model.norm.weight": np.ones(hidden, dtype=np.float16)}
    shapes = {"self_attn.q_proj": (q, hidden), "self_attn.k_proj": (kv, hidden), "self_attn.v_proj": (kv, hidden),
              "self_attn.o_proj": (hidden, q), "mlp.gate_proj": (inter, hidden), "mlp.up_proj": (inter, hidden),
              "mlp.down_proj": (hidden, inter)}
    for layer in range(layers):
        p = "model.layers.%d." % layer
        tensors[p + "input_layernorm.weight"] = np.ones(hidden, dtype=np.float16)
        tensors[p + "post_attention_layernorm.weight"] = np.ones(hidden, dtype=np.float16)
        for proj in ("q_proj", "k_proj", "v_proj"):
            tensors[p + "self_attn." + proj + ".bias"] = np.zeros(q if proj == "q_proj" else kv, dtype=np.float16)
        for proj, (out, inp) in shapes.items():
            groups = inp // 128
            codes = rng.integers(0, 16, (out, inp), dtype=np.uint8)
            zeros = np.full((groups, out), 8, dtype=np.uint8)
            qweight, qzeros = pack_gptq(codes, zeros, True)
            tensors[p + proj + ".qweight"] = qweight
            tensors[p + proj + ".qzeros"] = qzeros
            tensors[p + proj + ".scales"] = rng.uniform(0.001, 0.01, (groups, out)).astype(np.float16)
            tensors[p + proj + ".g_idx"] = (np.arange(inp) // 128).astype(np.int32)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), tensors, {"format": "pt"})


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--qwen2.5-0.5b-gptq":
        write_qwen_shaped_gptq(sys.argv[2])
        return
    rng = np.random.default_rng(20240607)
    write_layers(rng)
    for name, case in MODEL_CASES.items():
        write_model(rng, name, case)
    print("wrote", CORE_OUT, "and", CPU_OUT, "with numpy", np.__version__, file=sys.stderr)


if __name__ == "__main__":
    main()
