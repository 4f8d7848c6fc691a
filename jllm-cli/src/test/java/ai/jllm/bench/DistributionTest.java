package ai.jllm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Percentiles against numpy: every expected figure below is what {@code numpy.percentile(a, p)} (numpy 2.4.6, the
 * default method 'linear') and {@code a.mean()} print for the same data.
 */
class DistributionTest {

    private static final double EPS = 1e-9;

    @Test
    void oneToTenMatchesNumpy() {
        Distribution d = Distribution.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        assertThat(d.count()).isEqualTo(10);
        assertThat(d.mean()).isCloseTo(5.5, within(EPS));
        assertThat(d.p50()).isCloseTo(5.5, within(EPS));
        assertThat(d.p90()).isCloseTo(9.1, within(EPS));
        assertThat(d.p99()).isCloseTo(9.91, within(EPS));
    }

    @Test
    void unsortedInputIsSortedFirst() {
        Distribution d = Distribution.of(new double[] {15, 20, 35, 40, 50, 3.5, 7.25, 100, 0.5});
        assertThat(d.mean()).isCloseTo(30.13888888888889, within(EPS));
        assertThat(d.p50()).isCloseTo(20.0, within(EPS));
        assertThat(d.p90()).isCloseTo(60.00000000000001, within(EPS));
        assertThat(d.p99()).isCloseTo(96.0, within(EPS));
    }

    @Test
    void aLatencySampleWithOutliers() {
        Distribution d = Distribution.of(new double[] {12.5, 13.1, 12.9, 55.0, 13.3, 12.7, 14.2, 13.0, 12.8, 13.6,
                250.0, 13.2, 12.6});
        assertThat(d.mean()).isCloseTo(34.53076923076923, within(EPS));
        assertThat(d.p50()).isCloseTo(13.1, within(EPS));
        assertThat(d.p90()).isCloseTo(46.84000000000003, within(EPS));
        assertThat(d.p99()).isCloseTo(226.5999999999998, within(EPS));
    }

    @Test
    void smallSamples() {
        Distribution two = Distribution.of(new double[] {2, 1});
        assertThat(two.p50()).isCloseTo(1.5, within(EPS));
        assertThat(two.p90()).isCloseTo(1.9, within(EPS));
        assertThat(two.p99()).isCloseTo(1.99, within(EPS));
        Distribution one = Distribution.of(new double[] {42});
        assertThat(one).isEqualTo(new Distribution(1, 42, 42, 42, 42));
        assertThat(Distribution.of(new double[0])).isEqualTo(Distribution.EMPTY);
    }

    @Test
    void extremesAreTheMinimumAndMaximum() {
        double[] sorted = {1, 4, 9};
        assertThat(Distribution.percentile(sorted, 0)).isEqualTo(1);
        assertThat(Distribution.percentile(sorted, 100)).isEqualTo(9);
        assertThat(Distribution.percentile(sorted, 25)).isCloseTo(2.5, within(EPS));
    }

    @Test
    void refusesWhatHasNoPercentile() {
        assertThatThrownBy(() -> Distribution.percentile(new double[0], 50)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Distribution.percentile(new double[] {1}, 101))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Distribution.percentile(new double[] {1}, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
