package io.jmultifd.spi;

/**
 * One execution tier of a method (e.g. the {@code qpl} method's hardware, software and java tiers).
 *
 * @param tier      short name, e.g. {@code "software"}
 * @param available whether it can be used now
 * @param detail    why not, or what it uses (library path, status code)
 */
public record TierStatus(String tier, boolean available, String detail) {}
