package ai.jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.testing.TestTokenizers;
import ai.jllm.tokenizer.Tokenizer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@code jllm tokenize} and {@code jllm detokenize} through {@link Main#run}, on the real Llama 2 and Qwen3 files. */
class TokenizeCommandTest {

    private static final String LLAMA2 = TestTokenizers.dir(TestTokenizers.LLAMA2).toString();
    private static final String QWEN3 = TestTokenizers.dir(TestTokenizers.QWEN3).toString();

    @Test
    void tokenizesOneJsonStringPerLine() {
        Tokenizer tokenizer = Tokenizer.load(TestTokenizers.dir(TestTokenizers.LLAMA2));
        CommandRun run = CommandRun.of("\"Hello world\"\n\"你好\\n\"\n\"\"\n", "tokenize", "--tokenizer", LLAMA2);

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.outLines()).containsExactly(
                json(tokenizer.encode("Hello world", true)),
                json(tokenizer.encode("你好\n", true)),
                json(tokenizer.encode("", true)));
        assertThat(run.outLines().getFirst()).isEqualTo("[1,22557,1526]").doesNotContain(" ");
    }

    @Test
    void noSpecialLeavesOutTheAddedBos() {
        CommandRun run = CommandRun.of("\"Hello world\"\n", "tokenize", "--tokenizer", LLAMA2, "--no-special");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("[22557,1526]\n");
    }

    @Test
    void malformedLineStopsWithItsNumber() {
        CommandRun run = CommandRun.of("\"ok\"\nnot json\n\"never reached\"\n", "tokenize", "--tokenizer", LLAMA2);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.outLines()).hasSize(1);
        assertThat(run.err()).isEqualTo("error: line 2: expected a JSON string\n");
    }

    @Test
    void jsonThatIsNotAStringIsRefused() {
        CommandRun run = CommandRun.of("[1, 2]\n", "tokenize", "--tokenizer", LLAMA2);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("error: line 1: expected a JSON string\n");
    }

    @Test
    void missingTokenizerIsAOneLineError() {
        CommandRun run = CommandRun.of("\"x\"\n", "tokenize", "--tokenizer", "/nonexistent/dir");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: no such file: /nonexistent/dir").hasLineCount(1);
    }

    @Test
    void detokenizesOneJsonArrayPerLine() {
        CommandRun run = CommandRun.of("[9707,11,1879,0]\n[108386,151645]\n[]\n", "detokenize", "--tokenizer", QWEN3);

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.outLines()).containsExactly("\"Hello, world!\"", "\"\\u4F60\\u597D<|im_end|>\"", "\"\"");
    }

    @Test
    void skipSpecialDropsSpecialTokens() {
        CommandRun run = CommandRun.of("[151644,9707,151645]\n", "detokenize", "--tokenizer", QWEN3, "--skip-special");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("\"Hello\"\n");
    }

    @Test
    void detokenizeRefusesNonIntegerIds() {
        CommandRun run = CommandRun.of("[1]\n[1.5]\n", "detokenize", "--tokenizer", QWEN3);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.outLines()).hasSize(1);
        assertThat(run.err()).isEqualTo("error: line 2: expected a JSON array of integer token ids\n");
    }

    @Test
    void roundTripThroughBothCommands() {
        CommandRun encoded = CommandRun.of("\"Grüße, 世界! 👋🏽\\tend\"\n", "tokenize", "--tokenizer", QWEN3, "--no-special");
        CommandRun decoded = CommandRun.of(encoded.out(), "detokenize", "--tokenizer", QWEN3);

        assertThat(encoded.exitCode()).as(encoded.err()).isZero();
        assertThat(decoded.exitCode()).as(decoded.err()).isZero();
        assertThat(decoded.out()).isEqualTo(
                "\"Gr\\u00FC\\u00DFe, \\u4E16\\u754C! \\uD83D\\uDC4B\\uD83C\\uDFFD\\tend\"\n");
    }

    @Test
    void helpDescribesEveryOption() {
        for (String command : new String[] {"tokenize", "detokenize"}) {
            CommandRun run = CommandRun.of("", command, "--help");
            assertThat(run.exitCode()).isZero();
            assertThat(run.out()).contains("--tokenizer=DIR", "Directory holding tokenizer.json", "error: line N");
        }
        assertThat(CommandRun.of("", "tokenize", "--help").out()).contains("--no-special", "add_special_tokens=False");
        assertThat(CommandRun.of("", "detokenize", "--help").out()).contains("--skip-special", "skip_special_tokens=True");
    }

    private static String json(int[] ids) {
        return Arrays.toString(ids).replace(" ", "");
    }
}
