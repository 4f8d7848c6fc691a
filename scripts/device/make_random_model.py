#!/usr/bin/env python3
"""Writes a random-weight Hugging Face model of a real shape, with transformers, for GPU runs of jllm.

Usage: make_random_model.py SHAPE OUT_DIR [TOKENIZER_DIR]
SHAPE: qwen2.5-0.5b | llama-3.2-1b | llama-3-8b. Weights are bfloat16, normal with std 0.02 (transformers' init);
TOKENIZER_DIR's tokenizer.json and tokenizer_config.json are copied in when given.
"""
import os
import shutil
import sys

import torch
import transformers

SHAPES = {
    "qwen2.5-0.5b": ("Qwen2", dict(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                                   num_attention_heads=14, num_key_value_heads=2, tie_word_embeddings=True,
                                   max_position_embeddings=32768)),
    "llama-3.2-1b": ("Llama", dict(vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                                   num_attention_heads=32, num_key_value_heads=8, tie_word_embeddings=True,
                                   max_position_embeddings=131072)),
    "llama-3-8b": ("Llama", dict(vocab_size=128256, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                                 num_attention_heads=32, num_key_value_heads=8, tie_word_embeddings=False,
                                 max_position_embeddings=8192)),
}


def main(shape, out_dir, tokenizer_dir=None):
    family, sizes = SHAPES[shape]
    config = getattr(transformers, family + "Config")(**sizes, bos_token_id=1, eos_token_id=2)
    torch.manual_seed(0)
    with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
        model = getattr(transformers, family + "ForCausalLM")(config).to(torch.bfloat16)
    model.save_pretrained(out_dir, safe_serialization=True)
    if tokenizer_dir:
        for name in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(os.path.join(tokenizer_dir, name), os.path.join(out_dir, name))
    print(f"{shape}: {sum(p.numel() for p in model.parameters()) / 1e9:.2f} B parameters in {out_dir}")


if __name__ == "__main__":
    main(*sys.argv[1:])
