// IMC is write-only (Interrupt Mask Clear, WO): reading it does not compile.
use netgen_igb_regs::registers::Regs;
use netgen_mmio::RegisterWindow;

fn masked<W: RegisterWindow>(regs: &Regs<W>) -> bool {
    regs.imc().read().lsc()
}

fn main() {}
