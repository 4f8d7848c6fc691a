#!/usr/bin/env python3
"""Writes a random-weight Hugging Face model of a real shape, with transformers, for GPU runs of jllm.

Usage: make_random_model.py SHAPE OUT_DIR [TOKENIZER_DIR]
SHAPE: qwen2.5-0.5b | llama-3.2-1b | llama-3-8b. The config is the real model's (sizes, RoPE base and scaling,
special token ids, tied embeddings); weights are bfloat16, normal with std 0.02 (transformers' init), made on the
GPU when there is one and saved as safetensors (sharded as transformers shards them). TOKENIZER_DIR's tokenizer.json
and tokenizer_config.json are copied in when given. An OUT_DIR that already holds the model is left as it is.
"""
import inspect
import os
import shutil
import sys
import time

import torch
import transformers

SHAPES = {
    "qwen2.5-0.5b": ("Qwen2", dict(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                                   num_attention_heads=14, num_key_value_heads=2, tie_word_embeddings=True,
                                   max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6,
                                   bos_token_id=151643, eos_token_id=151645)),
    "llama-3.2-1b": ("Llama", dict(vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                                   num_attention_heads=32, num_key_value_heads=8, head_dim=64,
                                   tie_word_embeddings=True, max_position_embeddings=131072, rope_theta=500000.0,
                                   rope_scaling=dict(rope_type="llama3", factor=32.0, low_freq_factor=1.0,
                                                     high_freq_factor=4.0, original_max_position_embeddings=8192),
                                   rms_norm_eps=1e-5, bos_token_id=128000, eos_token_id=[128001, 128008, 128009])),
    "llama-3-8b": ("Llama", dict(vocab_size=128256, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                                 num_attention_heads=32, num_key_value_heads=8, tie_word_embeddings=False,
                                 max_position_embeddings=8192, rope_theta=500000.0, rms_norm_eps=1e-5,
                                 bos_token_id=128000, eos_token_id=128001)),
}


def main(shape, out_dir, tokenizer_dir=None):
    if os.path.exists(os.path.join(out_dir, "config.json")):
        print(f"{shape}: already in {out_dir}")
        return
    start = time.time()
    family, sizes = SHAPES[shape]
    config_cls = getattr(transformers, family + "Config")
    sizes = dict(sizes)
    if "rope_parameters" in inspect.signature(config_cls.__init__).parameters:  # transformers v5 layout
        rope = {"rope_type": "default", "rope_theta": sizes.pop("rope_theta")}
        rope.update(sizes.pop("rope_scaling", {}))
        sizes["rope_parameters"] = rope
    config = config_cls(**sizes)
    torch.manual_seed(0)
    # Built in bfloat16 directly: an 8B model in float32 would take twice the memory and time.
    torch.set_default_dtype(torch.bfloat16)
    with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
        model = getattr(transformers, family + "ForCausalLM")(config)
    model.save_pretrained(out_dir, safe_serialization=True)
    if tokenizer_dir:
        for name in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(os.path.join(tokenizer_dir, name), os.path.join(out_dir, name))
    parameters = sum(p.numel() for p in model.parameters()) / 1e9
    print(f"{shape}: {parameters:.2f} B parameters in {out_dir} ({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main(*sys.argv[1:])
