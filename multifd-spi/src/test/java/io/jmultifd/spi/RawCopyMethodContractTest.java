package io.jmultifd.spi;

import io.jmultifd.spi.contract.MethodContract;

/** The contract kit runs on the smallest possible method: what a third party's test looks like. */
class RawCopyMethodContractTest extends MethodContract {
    @Override
    protected CompressionMethod method() {
        return new RawCopyMethod();
    }
}
