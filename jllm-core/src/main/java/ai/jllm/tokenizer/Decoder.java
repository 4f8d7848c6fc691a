package ai.jllm.tokenizer;

/**
 * A {@code decoder} of tokenizer.json. Decoding state lives in the {@link DecoderStep}s it creates, so one
 * decoder serves any number of concurrent decodes.
 */
sealed interface Decoder permits ByteLevelDecoder, ByteFallbackDecoder, FuseDecoder, ReplaceDecoder, StripDecoder,
        MetaspaceDecoder, DecoderSequence, SpaceJoiningDecoder {

    /** A fresh stage that feeds {@code downstream}. */
    DecoderStep newStep(DecoderStep downstream);
}
