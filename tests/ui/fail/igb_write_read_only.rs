// STATUS is read-only (82576 datasheet: Device Status, RO): writing it does not compile.
use netgen_igb_regs::registers::{Regs, Status};
use netgen_mmio::RegisterWindow;

fn link_up<W: RegisterWindow>(regs: &Regs<W>) {
    regs.status().write(Status::from_bits(0).with_lu(true));
}

fn main() {}
