package org.inginious.grading.image.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(5));
  private final Instant start = Instant.parse("2026-11-28T12:00:00Z");

  @Test
  void waitsAsLongAsTheProblemHasLastedBetweenFloorAndCeiling() {
    assertThat(backoff.next(start, start)).isEqualTo(Duration.ofSeconds(5));
    assertThat(backoff.next(start, start.plusSeconds(5))).isEqualTo(Duration.ofSeconds(5));
    assertThat(backoff.next(start, start.plusSeconds(10))).isEqualTo(Duration.ofSeconds(10));
    assertThat(backoff.next(start, start.plusSeconds(20))).isEqualTo(Duration.ofSeconds(20));
    assertThat(backoff.next(start, start.plusSeconds(3600))).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void attemptsDoubleTheirSpacing() {
    Instant now = start;
    int attempts = 0;
    while (now.isBefore(start.plusSeconds(300))) {
      now = now.plus(backoff.next(start, now));
      attempts++;
    }
    // 5s, 5s, 10s, 20s, 40s, 80s, 160s: seven attempts in five minutes, not sixty
    assertThat(attempts).isEqualTo(7);
  }
}
