// The 82576 has 16 receive queues: queue 16 does not compile.
use netgen_igb_regs::index::RxQueue;
use netgen_igb_regs::registers::Regs;
use netgen_mmio::RegisterWindow;

fn enable_last<W: RegisterWindow>(regs: &Regs<W>) {
    regs.rxdctl(RxQueue::at::<16>()).modify(|r| r.with_enable(true));
}

fn main() {}
