package ai.jllm.tokenizer;

import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import ai.jllm.testing.TestTokenizers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.function.ToIntFunction;

/**
 * Encode throughput, ours against the Hugging Face library (Rust, through DJL), on the same tokenizer.json and
 * the same text, one thread each: a single-text encode never fans out (only batch calls use rayon). The Rust
 * side is called through DJL's raw JNI entry points (encode, read the ids, free the encoding) rather than
 * {@code HuggingFaceTokenizer.encode}, which also copies tokens, offsets and masks into Java objects: that way
 * the figure is the library's own speed plus one JNI round trip. Two workloads: the corpus line by line
 * (prompt-sized calls) and the corpus joined into one document. Both sides warm up, then alternate timed rounds
 * and the best round of each counts, which damps the noise of a shared machine; word caches are warm, as in a
 * long-running server. Run with scripts/bench-tokenizer.sh.
 */
public final class TokenizerBenchmark {

    private static final double WARMUP_SECONDS = 3;
    private static final double ROUND_SECONDS = 3;
    private static final int ROUNDS = 3;

    private TokenizerBenchmark() {}

    public static void main(String[] args) {
        List<String> names = args.length > 0 ? List.of(args)
                : List.of(TestTokenizers.QWEN3, TestTokenizers.LLAMA3, TestTokenizers.LLAMA2);
        List<String> lines = TestCorpus.lines();
        String document = String.join("\n", lines);
        long bytes = document.getBytes(StandardCharsets.UTF_8).length;
        System.out.printf(Locale.ROOT, "corpus: %d lines, %d UTF-8 bytes; warm-up %.0f s, best of %d rounds of %.0f s%n",
                lines.size(), bytes, WARMUP_SECONDS, ROUNDS, ROUND_SECONDS);
        System.out.println("| tokenizer | workload | ours MB/s | HF MB/s | ratio | ours Mtok/s | HF Mtok/s |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|");
        for (String name : names) {
            Tokenizer ours = Tokenizer.load(TestTokenizers.dir(name));
            try (HuggingFaceReference reference = HuggingFaceReference.open(TestTokenizers.dir(name))) {
                long handle = reference.tokenizer().getHandle();
                ToIntFunction<String> huggingFace = text -> {
                    long encoding = TokenizersLibrary.LIB.encode(handle, text, true);
                    int count = TokenizersLibrary.LIB.getTokenIds(encoding).length;
                    TokenizersLibrary.LIB.deleteEncoding(encoding);
                    return count;
                };
                report(name, "lines", lines, text -> ours.encode(text, true).length, huggingFace);
                report(name, "document", List.of(document), text -> ours.encode(text, true).length, huggingFace);
            }
        }
    }

    private static void report(String name, String workload, List<String> texts, ToIntFunction<String> ours,
                               ToIntFunction<String> huggingFace) {
        runFor(texts, ours, WARMUP_SECONDS);
        runFor(texts, huggingFace, WARMUP_SECONDS);
        Rate oursRate = new Rate(0, 0);
        Rate hfRate = new Rate(0, 0);
        for (int round = 0; round < ROUNDS; round++) {
            oursRate = oursRate.best(measure(texts, ours));
            hfRate = hfRate.best(measure(texts, huggingFace));
        }
        System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.2f | %.2f | %.2f |%n", name, workload,
                oursRate.megabytesPerSecond(), hfRate.megabytesPerSecond(),
                oursRate.megabytesPerSecond() / hfRate.megabytesPerSecond(),
                oursRate.megatokensPerSecond(), hfRate.megatokensPerSecond());
    }

    private record Rate(double megabytesPerSecond, double megatokensPerSecond) {
        Rate best(Rate other) {
            return other.megabytesPerSecond > megabytesPerSecond ? other : this;
        }
    }

    private static Rate measure(List<String> texts, ToIntFunction<String> encode) {
        long bytesPerPass = texts.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
        long start = System.nanoTime();
        long[] totals = runFor(texts, encode, ROUND_SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Rate(totals[0] * bytesPerPass / seconds / 1e6, totals[1] / seconds / 1e6);
    }

    /** Runs whole passes until {@code seconds} have passed; returns {passes, tokens}. */
    private static long[] runFor(List<String> texts, ToIntFunction<String> encode, double seconds) {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long passes = 0;
        long tokens = 0;
        do {
            for (String text : texts) {
                tokens += encode.applyAsInt(text);
            }
            passes++;
        } while (System.nanoTime() < deadline);
        return new long[] {passes, tokens};
    }
}
