package org.inginious.grading.image.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class BoundedMapTest {

  @Test
  void keepsAtMostMaxEntriesAndForgetsTheLeastRecentlyUsedFirst() {
    BoundedMap<String, Integer> map = new BoundedMap<>(3);
    map.put("a", 1);
    map.put("b", 2);
    map.put("c", 3);
    assertThat(map.get("a")).as("a read keeps an entry recent").isEqualTo(1);
    map.put("d", 4);

    assertThat(map.size()).isEqualTo(3);
    assertThat(map.get("b")).as("least recently used, so forgotten").isNull();
    assertThat(map.get("a")).isEqualTo(1);
    assertThat(map.get("c")).isEqualTo(3);
    assertThat(map.get("d")).isEqualTo(4);
  }

  @Test
  void staysBoundedUnderConcurrentWrites() throws Exception {
    BoundedMap<Integer, Integer> map = new BoundedMap<>(100);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> writers = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int offset = t * 10_000;
      writers.add(
          pool.submit(
              () -> {
                for (int i = 0; i < 10_000; i++) {
                  map.put(offset + i, i);
                  map.get(offset + i / 2);
                }
              }));
    }
    for (Future<?> writer : writers) {
      writer.get();
    }
    pool.shutdown();
    assertThat(map.size()).isEqualTo(100);
  }

  @Test
  void removeIfDropsWhatMatches() {
    BoundedMap<String, Integer> map = new BoundedMap<>(10);
    for (int i = 0; i < 10; i++) {
      map.put("k" + i, i);
    }
    map.removeIf((key, value) -> value % 2 == 0);
    assertThat(map.size()).isEqualTo(5);
    assertThat(map.get("k1")).isEqualTo(1);
    assertThat(map.get("k2")).isNull();
  }
}
