package io.jmultifd.qpl.jobs;

/**
 * Every {@code qpl_status} of QPL 1.9.0's {@code qpl/c_api/status.h}, with its numeric code and the header's
 * one-line description. The constant names drop the {@code QPL_STS_} prefix; {@link #qplName()} gives it back.
 *
 * <p>QPL may return codes this table does not know (a newer library, an internal code): {@link #fromCode(int)}
 * maps them to {@link #UNKNOWN}, and {@link #describe(int)} keeps the raw number visible in messages.
 */
public enum QplStatus {
    OK(0, "Operation completed successfully"),
    BEING_PROCESSED(1, "The job is still being processed"),
    MORE_OUTPUT_NEEDED(2, "Compression/Decompression operation filled output buffer before finishing input"),
    MORE_INPUT_NEEDED(3, "Compress/Decompress operation need more input"),
    JOB_NOT_CONTINUABLE_ERR(4, "A job after a LAST job was not marked as FIRST"),
    QUEUES_ARE_BUSY_ERR(5, "Descriptor can't be submitted into filled work queue"),
    LIBRARY_INTERNAL_ERR(6, "Unexpected internal error condition"),
    JOB_NOT_SUBMITTED(7, "The job being checked/waited has not been submitted"),
    NOT_SUPPORTED_BY_WQ(8, "Work queue not configured to support operation"),
    NULL_PTR_ERR(50, "Null pointer error"),
    OPERATION_ERR(51, "Non-supported value in the qpl_job operation field"),
    NOT_SUPPORTED_MODE_ERR(52, "Indicates an error if the requested mode is not supported"),
    BAD_JOB_STRUCT_ERR(53, "Indicates that the qpl_job structure does not match the operation"),
    PATH_ERR(54, "Incorrect value for the qpl_path input parameter"),
    INVALID_PARAM_ERR(55, "Invalid combination of fields in the qpl_job structure"),
    FLAG_CONFLICT_ERR(56, "qpl_job flags field contains conflicted values"),
    SIZE_ERR(57, "Incorrect size error"),
    BUFFER_TOO_LARGE_ERR(58, "Buffer exceeds max size supported by library (deprecated: use QPL_STS_TRANSFER_SIZE_INVALID for buffers exceeding max size errors)"),
    BUFFER_OVERLAP_ERR(59, "Buffers overlap"),
    CRC64_BAD_POLYNOM(60, "Incorrect polynomial value for CRC64"),
    SET_TOO_LARGE_ERR(70, "Set is too large for operation"),
    PARSER_ERR(71, "Non-supported value in the qpl_job parser field"),
    OUT_FORMAT_ERR(72, "qpl_job out_bit_width field contains invalid value or QPL_FLAG_FORCE_ARRAY_OUTPUT is set with nominal out_bit_width"),
    DROP_BITS_OVERFLOW_ERR(73, "Incorrect dropBits value (param_low + param_high must be beyond 0..32)"),
    BIT_WIDTH_OUT_EXTENDED_ERR(74, "qpl_job bit-width field contains an invalid value for current output format"),
    DROP_BYTES_ERR(75, "qpl_job drop_initial_bytes field contains an invalid value"),
    MISSING_HUFFMAN_TABLE_ERR(80, "Flags specify NO_HDRS and DYNAMIC_HUFFMAN, but no Huffman table provided"),
    INVALID_HUFFMAN_TABLE_ERR(81, "Invalid Huffman table data"),
    MISSING_INDEX_TABLE_ERR(82, "Indexing enabled but Indexing table is not set"),
    INVALID_COMPRESS_STYLE_ERR(83, "The style of a compression job does not match the style of the previous related job"),
    INFLATE_NEED_DICT_ERR(84, "Inflate needs dictionary to perform decompression"),
    INVALID_DECOMP_END_PROC_ERR(85, "The qpl_job field for decompression manipulation is incorrect"),
    INVALID_BLOCK_SIZE_ERR(86, "Invalid block size used during indexing"),
    UNSUPPORTED_COMPRESSION_LEVEL(87, "Compression level is not supported"),
    HUFFMAN_TABLE_TYPE_ERROR(88, "Incorrect table type used"),
    SERIALIZATION_FORMAT_ERROR(90, "Unsupported Serialization format"),
    SERIALIZATION_CORRUPTED_DUMP(91, "Deserialization can't re-create the table from the input stream"),
    HUFFMAN_BE_IGNORE_MORE_THAN_7_BITS_ERR(95, "Limitation in IAA 1.0, Huffman only BE16 decompression cannot work if ignore_end_bits is greater than 7"),
    HUFFMAN_BE_ODD_INPUT_SIZE_ERR(96, "Huffman only BE16 decompression input has an odd number of bytes"),
    INVALID_DEFLATE_DATA_ERR(100, "Currently unused"),
    NO_MEM_ERR(101, "Not enough memory for the operation"),
    INDEX_ARRAY_TOO_SMALL(102, "Indexing buffer is too small"),
    INDEX_GENERATION_ERR(103, "Mini-block creation error"),
    ARCHIVE_HEADER_ERR(104, "Invalid GZIP/Zlib header"),
    ARCHIVE_UNSUP_METHOD_ERR(105, "Gzip/Zlib header specifies unsupported compress method"),
    OBJECT_ALLOCATION_ERR(106, "Not able to allocate Huffman table object"),
    BIG_HEADER_ERR(201, "Reached the end of the input stream before decoding header and header is too big to fit in input buffer"),
    UNDEF_CL_CODE_ERR(202, "Bad CL code"),
    FIRST_LL_CODE_16_ERR(203, "First code in LL tree is 16"),
    FIRST_D_CODE_16_ERR(204, "First code in D tree is 16"),
    NO_LL_CODE_ERR(205, "All LL codes are specified with 0 length"),
    WRONG_NUM_LL_CODES_ERR(206, "After parsing LL code lengths, total codes != expected value"),
    WRONG_NUM_DIST_CODES_ERR(207, "After parsing D code lengths, total codes != expected value"),
    BAD_CL_CODE_LEN_ERR(208, "First CL code of length N is greater than 2^N-1"),
    BAD_LL_CODE_LEN_ERR(209, "First LL code of length N is greater than 2^N-1"),
    BAD_DIST_CODE_LEN_ERR(210, "First D code of length N is greater than 2^N-1"),
    BAD_LL_CODE_ERR(211, "Incorrect LL code"),
    BAD_D_CODE_ERR(212, "Incorrect D code"),
    INVALID_BLOCK_TYPE(213, "Invalid type of deflate block"),
    INVALID_STORED_LEN_ERR(214, "Length of stored block doesn't match inverse length"),
    BAD_EOF_ERR(215, "EOB flag was set but last token was not EOB"),
    BAD_LEN_ERR(216, "Decoded Length code is 0 or greater 258"),
    BAD_DIST_ERR(217, "Decoded Distance is 0 or greater than History Buffer"),
    REF_BEFORE_START_ERR(218, "Distance of reference is before start of file"),
    TIMEOUT_ERR(219, "Library has input data, but is not making forward progress"),
    PRLE_FORMAT_ERR(220, "PRLE format is incorrect or is truncated"),
    OUTPUT_OVERFLOW_ERR(221, "Output index value is greater than max available for current output data type"),
    INTL_AECS_ERR(222, "Internal Error Code"),
    SRC1_TOO_SMALL_ERR(223, "Source 1 contained fewer than expected elements/bytes"),
    SRC2_IS_SHORT_ERR(224, "Source 2 contained fewer than expected elements/bytes"),
    DST_IS_SHORT_ERR(225, "qpl_job destination buffer has less bytes than required to process num_input_elements/bytes"),
    INTL_DIST_SPANS_MINI_BLOCKS(226, "Internal Error Code"),
    INTL_LEN_SPANS_MINI_BLOCKS(227, "Internal Error Code"),
    INTL_VERIF_INVALID_BLOCK_SIZE(228, "Internal Error Code"),
    INTL_VERIFY_ERR(229, "Internal Error Code"),
    INVALID_HUFFCODE_ERR(230, "Compressor tried to use an invalid huffman code"),
    BIT_WIDTH_ERR(231, "Bit width is out of range [1..32]"),
    SRC_IS_SHORT_ERR(232, "The input stream ended before specified Number of input Element was seen"),
    INTL_INVALID_COUNT(233, "Internal Error Code"),
    TOO_MANY_LL_CODES_ERR(235, "The number of LL codes specified in the DEFLATE header exceed 286"),
    TOO_MANY_D_CODES_ERR(236, "The number of D codes specified in the DEFLATE header exceed 30"),
    INTL_INPROG(300, "Internal Status Code"),
    INTL_SUCCESS(301, "Internal Status Code"),
    INTL_PAGE_FAULT(303, "Page Fault occurred on Read"),
    INTL_INVALID_PAGE_REQ(304, "Internal Status Code"),
    INTL_ANALYTIC_ERROR(310, "Internal Status Code"),
    INTL_OUTPUT_OVERFLOW(311, "Internal Status Code"),
    INTL_UNSUPPORTED_OPCODE(316, "Internal Status Code"),
    INTL_INVALID_OP_FLAG(317, "Internal Status Code"),
    INTL_NONZERO_RESERVED_FIELD(318, "Internal Status Code"),
    TRANSFER_SIZE_INVALID(319, "Invalid value for transfer size or maximum destination size, can be returned by Intel QPL on submission if no available workqueues support transfer size"),
    INTL_OVERLAPPING_BUFFERS(322, "Internal Status Code"),
    INTL_INVALID_COMP_HANDLE(325, "Internal Status Code"),
    INTL_TRANSLATION_PAGE_FAULT(326, "Internal Status Code"),
    INTL_COMPL_RECORD_UNALIGN(327, "Internal Status Code"),
    INTL_MISALIGNED_ADDRESS(328, "Internal Status Code"),
    INTL_PRIVILIGE_ERROR(329, "Internal Status Code"),
    INTL_TRAFFIC_CLASS_ERROR(330, "Internal Status Code"),
    INTL_DRAIN_PAGE_FAULT(331, "Internal Status Code"),
    INTL_INVALID_UR_CA_RESPONSE(332, "Internal Status Code"),
    INTL_READBACK_TIMEOUT(333, "Internal Status Code"),
    INTL_HARDWARE_TIMEOUT(334, "Internal Status Code"),
    INTL_PAGE_REQUEST_TIMEOUT(335, "Internal Status Code"),
    INTL_WATCHDOG_TIMER_EXPIRE(336, "Internal Status Code"),
    INTL_PASID_ERROR(340, "Internal Status Code"),
    INTL_INVALID_IDPTE_HANDLE(341, "Internal Status Code"),
    INTL_IDTPE_PERMISSION_ERROR(342, "Internal Status Code"),
    INTL_ID_WINDOW_ERROR(343, "Internal Status Code"),
    INTL_UPDATE_INVALID_IDPTE(344, "Internal Status Code"),
    INTL_INVALID_WINDOW_CONTROL(345, "Internal Status Code"),
    INTL_INACCESSIBLE_DOMAIN(346, "Internal Status Code"),
    INTL_INVALID_DECOMP_FLAG(348, "Internal Status Code"),
    INTL_INVALID_FILTER_FLAG(349, "Internal Status Code"),
    INTL_INVALID_INPUT_SIZE(350, "Internal Status Code"),
    INVALID_NUM_ELEM(351, "Number Elements for Filter operation is 0"),
    INVALID_SRC1_WIDTH(352, "Invalid source-1 bit-width"),
    INV_OUTPUT(353, "Invert Output flag was used when the output was not a bit-vector"),
    INTL_W_PAGE_FAULT(431, "Page Fault occurred on Write"),
    INTL_W_INVALID_PAGE_REQ(432, "Internal Status Code"),
    INTL_W_TRANSLATION_PF(454, "Internal Status Code"),
    INIT_HW_NOT_SUPPORTED(500, "Executing using qpl_path_hardware is not supported, check library System Requirements"),
    INIT_LIBACCEL_NOT_FOUND(501, "libaccel is not found or not compatible"),
    INIT_LIBACCEL_ERROR(502, "libaccel internal error"),
    INIT_WORK_QUEUES_NOT_AVAILABLE(503, "Supported and enabled work queues are not found (May be due to lack of privileges e.g. lack of sudo on linux)"),
    /** A code that QPL 1.9.0's status.h does not define; the raw code travels next to it (see {@link #describe}). */
    UNKNOWN(-1, "not a status of QPL 1.9.0");

    /** Index = code; the codes are small (0..503), so a dense table is the cheapest lookup. */
    private static final QplStatus[] BY_CODE;

    static {
        int max = 0;
        for (QplStatus s : values()) {
            max = Math.max(max, s.code);
        }
        BY_CODE = new QplStatus[max + 1];
        for (QplStatus s : values()) {
            if (s != UNKNOWN) {
                BY_CODE[s.code] = s;
            }
        }
    }

    private final int code;
    private final String description;

    QplStatus(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The numeric {@code qpl_status}; -1 for {@link #UNKNOWN}. */
    public int code() {
        return code;
    }

    /** What status.h says about it. */
    public String description() {
        return description;
    }

    /** The C name, e.g. {@code QPL_STS_INIT_HW_NOT_SUPPORTED}. */
    public String qplName() {
        return this == UNKNOWN ? "unknown status" : "QPL_STS_" + name();
    }

    /** The status with that code, or {@link #UNKNOWN}; never null, never throws. */
    public static QplStatus fromCode(int code) {
        if (code >= 0 && code < BY_CODE.length) {
            QplStatus s = BY_CODE[code];
            if (s != null) {
                return s;
            }
        }
        return UNKNOWN;
    }

    /** Name and code for messages, e.g. {@code QPL_STS_INIT_HW_NOT_SUPPORTED (501)} or {@code unknown status 777}. */
    public static String describe(int code) {
        QplStatus s = fromCode(code);
        return s == UNKNOWN ? "unknown status " + code : s.qplName() + " (" + code + ")";
    }

    /** True for {@link #OK}. */
    public boolean isOk() {
        return this == OK;
    }
}
