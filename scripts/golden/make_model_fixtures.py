#!/usr/bin/env python3
"""Writes small random-weight Hugging Face models and their transformers reference outputs.

Runs where torch and transformers are installed (the GPU machine; the computation itself runs on the CPU in float32,
so the reference is exact fp32 math, not TF32). For each case it writes, under OUT/<case>/:
  config.json, generation_config.json, model*.safetensors  -- saved by save_pretrained (one case sharded)
  reference.safetensors  -- prompt.N.logits [len, vocab] f32 (full forward), greedy.N.logits [steps, vocab] f32
  reference.json         -- versions, prompts, greedy continuations, smallest top-2 logit margin seen
The Java parity tests (jllm-cpu ModelParityTest) load these through the real loader and compare.

Usage: make_model_fixtures.py OUT_DIR
"""
import inspect
import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file

VOCAB = 256
HIDDEN = 64
INTERMEDIATE = 128
LAYERS = 2
PROMPT_LENGTHS = (1, 7, 37)      # 37 spans three 16-token KV blocks
GREEDY_STEPS = 24

CASES = {
    # Llama 3.2 style: GQA, llama3 rope scaling, tied embeddings.
    "llama3": dict(cls="LlamaForCausalLM", dtype=torch.float32, heads=4, kv_heads=2, head_dim=None,
                   theta=500000.0, eps=1e-5, tie=True,
                   scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                            "original_max_position_embeddings": 32},
                   extra=dict(attention_bias=False, mlp_bias=False)),
    # Llama 2 style MHA with every bias on and linear rope scaling, stored in bf16 as a sharded checkpoint.
    "llama-bias-linear": dict(cls="LlamaForCausalLM", dtype=torch.bfloat16, heads=4, kv_heads=4, head_dim=None,
                              shard="100KB",
                              theta=10000.0, eps=1e-6, tie=False, scaling={"rope_type": "linear", "factor": 2.0},
                              extra=dict(attention_bias=True, mlp_bias=True)),
    # Mistral: MQA, head_dim * heads != hidden, sliding window shorter than the longest sequence, stored in fp16.
    "mistral": dict(cls="MistralForCausalLM", dtype=torch.float16, heads=4, kv_heads=1, head_dim=32,
                    theta=1000000.0, eps=1e-5, tie=False, scaling=None, extra=dict(sliding_window=16)),
    # Qwen2.5 style: q/k/v bias, tied embeddings.
    "qwen2": dict(cls="Qwen2ForCausalLM", dtype=torch.float32, heads=4, kv_heads=2, head_dim=None,
                  theta=1000000.0, eps=1e-6, tie=True, scaling=None, extra=dict(use_sliding_window=False)),
    # Qwen3: QK-norm, explicit head_dim, stored in bf16.
    "qwen3": dict(cls="Qwen3ForCausalLM", dtype=torch.bfloat16, heads=4, kv_heads=2, head_dim=32,
                  theta=1000000.0, eps=1e-6, tie=False, scaling=None,
                  extra=dict(attention_bias=False, use_sliding_window=False)),
}


def config_for(case):
    config_cls = getattr(transformers, case["cls"].replace("ForCausalLM", "Config"))
    kwargs = dict(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=INTERMEDIATE, num_hidden_layers=LAYERS,
                  num_attention_heads=case["heads"], num_key_value_heads=case["kv_heads"], rms_norm_eps=case["eps"],
                  max_position_embeddings=256, tie_word_embeddings=case["tie"], hidden_act="silu",
                  bos_token_id=1, eos_token_id=[2, 3], pad_token_id=0, **case["extra"])
    if case["head_dim"] is not None:
        kwargs["head_dim"] = case["head_dim"]
    scaling = case["scaling"]
    if "rope_parameters" in inspect.signature(config_cls.__init__).parameters:   # transformers v5 layout
        params = {"rope_type": "default", "rope_theta": case["theta"]}
        if scaling:
            params.update(scaling)
        kwargs["rope_parameters"] = params
    else:
        kwargs["rope_theta"] = case["theta"]
        if scaling:
            kwargs["rope_scaling"] = dict(scaling, type=scaling["rope_type"])
    config = config_cls(**kwargs)
    config._attn_implementation = "eager"
    return config


def randomize(model, generator):
    """Weights large enough that logits have clear margins; norms near one; biases non-zero."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=generator, dtype=torch.float32)
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.1 * noise)
            elif name.endswith(".bias"):
                p.copy_(0.1 * noise)
            else:
                p.copy_(noise * (1.0 / p.shape[-1] ** 0.5) * 1.5)


def main(out_dir):
    torch.set_grad_enabled(False)
    torch.use_deterministic_algorithms(True)
    for name, case in CASES.items():
        generator = torch.Generator().manual_seed(1234)
        config = config_for(case)
        model_cls = getattr(transformers, case["cls"])
        model = model_cls(config).eval()
        randomize(model, generator)
        # Store the weights in the case's dtype, then load them back through transformers' own loader in float32:
        # the reference is float32 math on exactly the stored values (and rotary tables computed in float32).
        model = model.to(case["dtype"])
        case_dir = os.path.join(out_dir, name)
        model.save_pretrained(case_dir, safe_serialization=True, max_shard_size=case.get("shard", "1GB"))
        del model
        try:
            model = model_cls.from_pretrained(case_dir, dtype=torch.float32, attn_implementation="eager").eval()
        except TypeError:
            model = model_cls.from_pretrained(case_dir, torch_dtype=torch.float32, attn_implementation="eager").eval()

        prompts = [torch.randint(4, VOCAB, (n,), generator=generator).tolist() for n in PROMPT_LENGTHS]
        tensors, greedy, min_margin = {}, [], float("inf")
        for i, ids in enumerate(prompts):
            input_ids = torch.tensor([ids])
            logits = model(input_ids).logits[0].float()
            tensors[f"prompt.{i}.logits"] = logits.contiguous()
            # Greedy reference by full forwards (no cache, no logits processors): argmax of the raw logits.
            sequence, step_logits = list(ids), []
            for _ in range(GREEDY_STEPS):
                last = model(torch.tensor([sequence])).logits[0, -1].float()
                step_logits.append(last)
                sequence.append(int(last.argmax()))
            step_logits = torch.stack(step_logits)
            tensors[f"greedy.{i}.logits"] = step_logits.contiguous()
            top2 = step_logits.topk(2, dim=-1).values
            min_margin = min(min_margin, float((top2[:, 0] - top2[:, 1]).min()))
            greedy.append(sequence[len(ids):])
        save_file(tensors, os.path.join(case_dir, "reference.safetensors"))
        with open(os.path.join(case_dir, "reference.json"), "w") as f:
            json.dump({"architecture": case["cls"], "stored_dtype": str(case["dtype"]).removeprefix("torch."),
                       "transformers": transformers.__version__, "torch": torch.__version__,
                       "prompts": prompts, "greedy_steps": GREEDY_STEPS, "greedy": greedy,
                       "min_top2_margin": min_margin}, f, indent=1)
        print(f"{name}: prompts {PROMPT_LENGTHS}, smallest top-2 margin {min_margin:.4f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
