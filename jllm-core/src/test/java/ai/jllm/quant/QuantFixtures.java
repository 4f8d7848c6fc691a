package ai.jllm.quant;

import ai.jllm.weights.SafetensorsFile;
import ai.jllm.weights.TensorView;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The layers written by scripts/golden/make_quant_fixtures.py (numpy): GPTQ and AWQ packings of known codes, and
 * round-to-nearest codes of known weights, with their natural-order references.
 */
final class QuantFixtures {

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private QuantFixtures() {}

    static SafetensorsFile layers() {
        URL url = QuantFixtures.class.getResource("layers.safetensors");
        if (url == null) {
            throw new IllegalStateException("test resource ai/jllm/quant/layers.safetensors is missing; run "
                    + "scripts/golden/make_quant_fixtures.py");
        }
        try {
            return SafetensorsFile.open(Path.of(url.toURI()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(TensorView view) {
        return view.data().toArray(ValueLayout.JAVA_BYTE);
    }

    static int[] ints(TensorView view) {
        int[] values = new int[Math.toIntExact(view.elementCount())];
        for (int i = 0; i < values.length; i++) {
            values[i] = view.data().getAtIndex(I32, i);
        }
        return values;
    }
}
