package io.jmultifd.multifd.wire;

/**
 * Constants of the jmultifd wire format (all integers big-endian).
 *
 * <pre>
 * main stream, source -> destination:
 *   hello:     u32 MAGIC_MAIN, u16 VERSION, u64 session id
 *   HANDSHAKE: u8 1, u32 page size, u16 channels, u32 packet pages, u8 zero-page mode, str method,
 *              u16 n, n x (str key, str value), u32 blocks, blocks x (str name, u64 size),
 *              u8 free-page-hint (1 on, 0 off), u8 capabilities (bit 0 postcopy-ram, bit 1 postcopy-preempt)
 *   STOP_COPY: u8 4                      (the source paused the guest)
 *   COMPLETE:  u8 5, u64 rounds, u32 n, n x u64 CRC32C  (after END on every data channel; each block's CRC32C
 *              as its pages were sent last, folded from their digests)
 *   ERROR:     u8 7, str message
 *   postcopy:  DISCARD u8 8 ({@link PostcopyDiscard}), RUN u8 9 ({@link PostcopyRun})
 *   MEMORY_CHECKED: u8 12, u8 match (1/0), str message  (after a matching VERDICT: the frozen guest against the
 *              pages sent last)
 *   postcopy recovery: a new main connection after postcopy-paused opens with its hello and RESUME u8 13
 *              ({@link PostcopyResume}) instead of the handshake
 * main stream, destination -> source:
 *   hello:     u32 MAGIC_MAIN, u16 VERSION, as soon as the handshake is read
 *   then ACCEPT (u8 2) once the guest is allocated, or REFUSE (u8 3, str why)
 *   VERDICT:   u8 6, u8 match (1/0), str message  (the received pages' CRC32C against COMPLETE's)
 *   MEMORY_CHECKED: u8 12, u8 match (1/0), str message  (after a matching VERDICT: the received guest against
 *              the pages placed)
 *   ERROR:     u8 7, str message
 *   postcopy:  PAGE_REQUEST u8 10 ({@link PageRequest}), RUNNING u8 11 ({@link PostcopyRunning})
 *   postcopy recovery: after ACCEPT of a RESUME, RESUME_STATE u8 15 ({@link ResumeState}: whether the guest runs
 *              here), then RECEIVED_BITMAP u8 14 ({@link ReceivedBitmap}) messages when it does, HELD_PAGE_DIGESTS u8 16
 *              ({@link HeldPageDigests}) messages when it never started (RUN did not arrive)
 * preempt stream (postcopy-preempt=on), source -> destination: a channel hello with index = channel count, then
 *            {@link UrgentPage} headers, each PAGE followed by the raw page
 * data stream (source -> destination), one per channel:
 *   hello:     u32 MAGIC_CHANNEL, u16 VERSION, u64 session id, u16 channel index
 *   packets: header (HEADER_SIZE bytes): u32 MAGIC_PACKET, u16 VERSION, u16 type (DATA|SYNC|END),
 *            u64 sequence number, u64 round, u32 block index, u32 normal pages, u32 zero pages,
 *            u64 payload length;
 *            then (normal + zero) x u64 page offset (normal pages first), then the payload.
 *   FREE (free-page-hint=on): the header with no pages, payload = n x (u64 first page offset, u64 page count),
 *            1..packet-pages ranges of free pages of the block, which the destination zeroes ({@link FreeRanges}).
 * str = u16 length + UTF-8 bytes, at most MAX_STRING bytes.
 * </pre>
 *
 * <p>Each message is a record of this package with its own encode and decode (the source's hellos
 * {@link MainHello} and {@link ChannelHello}, one {@link Hello} by their magic, {@link Handshake},
 * {@link DestinationHello}, {@link HandshakeReply}, {@link PacketHeader} with {@link PageOffsets} or {@link FreeRanges},
 * {@link StopCopy}, {@link Complete}, {@link Verdict}, {@link MemoryChecked}, {@link ErrorMessage}); no other package builds or parses
 * these bytes. Bytes that open with no jmultifd magic are quoted by {@link ForeignPeer}.
 */
public final class Wire {
    private Wire() {}

    public static final int MAGIC_MAIN = 0x4A4D4644;    // "JMFD"
    public static final int MAGIC_CHANNEL = 0x4A4D4443; // "JMDC"
    public static final int MAGIC_PACKET = 0x4D464450;  // "MFDP"
    /**
     * 2: the handshake's free-page-hint and capability bytes, {@code zstd-stream}, FREE packets, the postcopy
     * messages, MEMORY_CHECKED and postcopy recovery's RESUME, RESUME_STATE, RECEIVED_BITMAP and HELD_PAGE_DIGESTS,
     * with COMPLETE carrying digests folded from per-page slots. A peer of another version is refused at the hello,
     * naming both versions, before anything else is read.
     */
    public static final int VERSION = 2;

    public static final int MSG_HANDSHAKE = 1;
    public static final int MSG_ACCEPT = 2;
    public static final int MSG_REFUSE = 3;
    public static final int MSG_STOP_COPY = 4;
    public static final int MSG_COMPLETE = 5;
    public static final int MSG_VERDICT = 6;
    public static final int MSG_ERROR = 7;
    public static final int MSG_POSTCOPY_DISCARD = 8;
    public static final int MSG_POSTCOPY_RUN = 9;
    public static final int MSG_PAGE_REQUEST = 10;
    public static final int MSG_POSTCOPY_RUNNING = 11;
    public static final int MSG_MEMORY_CHECKED = 12;
    public static final int MSG_POSTCOPY_RESUME = 13;
    public static final int MSG_RECEIVED_BITMAP = 14;
    public static final int MSG_RESUME_STATE = 15;
    public static final int MSG_HELD_PAGE_DIGESTS = 16;

    public static final int PACKET_DATA = 1;
    public static final int PACKET_SYNC = 2;
    public static final int PACKET_END = 3;
    public static final int PACKET_FREE = 4;

    public static final int HEADER_SIZE = 4 + 2 + 2 + 8 + 8 + 4 + 4 + 4 + 8;
    public static final int MAX_STRING = 4096;
    public static final int MAX_METHOD_PARAMETERS = 256;
    public static final int MAX_BLOCKS = 4096;

    public static int zeroModeCode(io.jmultifd.multifd.ZeroPageMode m) {
        return m.ordinal();
    }

    /**
     * "WHAT mismatch: source S, destination D", the wording of every refused difference; WHAT is the parameter to
     * set alike on both ends where one decides it (e.g. multifd-channels).
     */
    public static String mismatch(String what, Object source, Object destination) {
        return what + " mismatch: source " + source + ", destination " + destination;
    }

    public static String typeName(int type) {
        return switch (type) {
            case PACKET_DATA -> "DATA";
            case PACKET_SYNC -> "SYNC";
            case PACKET_END -> "END";
            case PACKET_FREE -> "FREE";
            default -> "unknown type " + type;
        };
    }
}
