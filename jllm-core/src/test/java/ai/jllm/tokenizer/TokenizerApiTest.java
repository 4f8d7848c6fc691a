package ai.jllm.tokenizer;

import static ai.jllm.testing.TestTokenizers.LLAMA2;
import static ai.jllm.testing.TestTokenizers.LLAMA3;
import static ai.jllm.testing.TestTokenizers.QWEN3;
import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.testing.TestTokenizers;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * Vocabulary lookups and tokenizer_config.json values, against what the files say (ids and contents checked by
 * hand in the files; the Hugging Face library reports the same vocabulary sizes: 151669, 128256, 32000).
 */
class TokenizerApiTest {

    @Test
    void qwen3() {
        Tokenizer tokenizer = TestTokenizerCache.ours(QWEN3);
        assertThat(tokenizer.vocabSize()).isEqualTo(151_669);
        assertThat(tokenizer.tokenToId("<|im_end|>")).isEqualTo(OptionalInt.of(151_645));
        assertThat(tokenizer.tokenToId("Hello")).isEqualTo(OptionalInt.of(9707));
        assertThat(tokenizer.tokenToId("no such token")).isEmpty();
        assertThat(tokenizer.idToToken(151_644)).contains("<|im_start|>");
        assertThat(tokenizer.idToToken(1879)).contains("Ġworld");
        assertThat(tokenizer.idToToken(151_669)).isEmpty();
        assertThat(tokenizer.idToToken(-1)).isEmpty();
        assertThat(tokenizer.isSpecial(151_645)).isTrue();
        assertThat(tokenizer.isSpecial(151_667)).as("<think> is an added token but not special").isFalse();
        assertThat(tokenizer.isSpecial(9707)).isFalse();
        assertThat(tokenizer.bosToken()).isEmpty();
        assertThat(tokenizer.eosToken()).contains("<|im_end|>");
        assertThat(tokenizer.specialTokens()).isEqualTo(Map.of("eos_token", "<|im_end|>", "pad_token", "<|endoftext|>"));
    }

    @Test
    void llama3() {
        Tokenizer tokenizer = TestTokenizerCache.ours(LLAMA3);
        assertThat(tokenizer.vocabSize()).isEqualTo(128_256);
        assertThat(tokenizer.tokenToId("<|begin_of_text|>")).isEqualTo(OptionalInt.of(128_000));
        assertThat(tokenizer.idToToken(128_255)).contains("<|reserved_special_token_250|>");
        assertThat(tokenizer.isSpecial(128_009)).isTrue();
        assertThat(tokenizer.bosToken()).contains("<|begin_of_text|>");
        assertThat(tokenizer.eosToken()).contains("<|end_of_text|>");
    }

    @Test
    void llama2() {
        Tokenizer tokenizer = TestTokenizerCache.ours(LLAMA2);
        assertThat(tokenizer.vocabSize()).isEqualTo(32_000);
        assertThat(tokenizer.tokenToId("<s>")).isEqualTo(OptionalInt.of(1));
        assertThat(tokenizer.tokenToId("<0x0A>")).isEqualTo(OptionalInt.of(13));
        assertThat(tokenizer.idToToken(0)).contains("<unk>");
        assertThat(tokenizer.isSpecial(2)).isTrue();
        assertThat(tokenizer.bosToken()).contains("<s>");
        assertThat(tokenizer.eosToken()).contains("</s>");
        assertThat(tokenizer.specialTokens())
                .containsEntry("bos_token", "<s>").containsEntry("eos_token", "</s>").containsEntry("unk_token", "<unk>")
                .doesNotContainKey("pad_token");
    }

    @Test
    void loadsFromTheTokenizerJsonFileItself() {
        Tokenizer tokenizer = Tokenizer.load(TestTokenizers.dir(LLAMA2).resolve("tokenizer.json"));
        assertThat(tokenizer.eosToken()).isEqualTo(Optional.of("</s>"));
        assertThat(tokenizer.encode("Hello", true)).containsExactly(TestTokenizerCache.reference(LLAMA2).encode("Hello", true));
    }
}
