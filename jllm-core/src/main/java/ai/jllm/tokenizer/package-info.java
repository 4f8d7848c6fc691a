/**
 * Hugging Face {@code tokenizer.json} tokenizers, matching the Hugging Face tokenizers library id for id.
 *
 * <p>The public surface is {@link ai.jllm.tokenizer.Tokenizer} (load, encode, decode, vocabulary, special tokens)
 * and {@link ai.jllm.tokenizer.IncrementalDetokenizer} (streaming decode). Inside, one class per component of the
 * file, in pipeline order:
 * <ul>
 *   <li>reading: {@code JsonFile}, {@code TokenizerJsonReader} (model, added tokens), {@code PipelineReader}
 *       (components by type), {@code TokenizerConfig} (tokenizer_config.json);</li>
 *   <li>added tokens: {@code AddedToken}, {@code AddedVocabulary} (id assignment, splitting), {@code TokenTrie};</li>
 *   <li>normalizers: {@code Normalizer} and its records;</li>
 *   <li>pre-tokenizers: {@code PreTokenizer}, {@code SplitPreTokenizer} with {@code SplitBehavior},
 *       {@code ByteLevelPreTokenizer} with {@code ByteLevelAlphabet}, {@code MetaspacePreTokenizer},
 *       {@code OnigRegex} (the file's Oniguruma regexes as java.util.regex patterns), {@code UnicodeClasses};</li>
 *   <li>model: {@code BpeModel} (symbols, cache), {@code BpeMerger} (merge loop), {@code MergeTable};</li>
 *   <li>post-processors: {@code PostProcessor} and its records;</li>
 *   <li>decoders: {@code Decoder} creating {@code DecoderStep}s, which stream tokens to text so that
 *       {@code decode} and the incremental detokenizer are the same code; {@code Utf8Stream}.</li>
 * </ul>
 */
package ai.jllm.tokenizer;
