package org.inginious.grading.image.common;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * A map of at most {@code maxEntries} entries: beyond that, the least recently used (read or
 * written) is forgotten. For what the operator remembers about objects and images that come and go,
 * so that memory stays bounded however many passed. Thread-safe: one lock, short sections.
 */
public final class BoundedMap<K, V> {
  private final int maxEntries;
  private final Map<K, V> entries;

  public BoundedMap(int maxEntries) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be positive, got " + maxEntries);
    }
    this.maxEntries = maxEntries;
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
            return size() > BoundedMap.this.maxEntries;
          }
        };
  }

  public synchronized V get(K key) {
    return entries.get(key);
  }

  /**
   * @return the previous value, null if there was none
   */
  public synchronized V put(K key, V value) {
    return entries.put(key, value);
  }

  public synchronized void removeIf(BiPredicate<K, V> condition) {
    entries.entrySet().removeIf(e -> condition.test(e.getKey(), e.getValue()));
  }

  public synchronized int size() {
    return entries.size();
  }

  public int maxEntries() {
    return maxEntries;
  }
}
