// Initcalls that are correct: same-level and earlier-level requirements, a
// resource of this crate, every attribute form.
use netgen_generated::prelude::*;
use netgen_generated::resources::{IgbDriver, InetFamily, SockRegistry};

pub enum Widgets {}

#[core_initcall(provides = [Widgets])]
fn widgets_init(_k: &mut Kernel) -> InitResult {
    Ok(())
}

// Same level as the provider: allowed, ordered after it at boot.
#[core_initcall(requires = [Widgets, SockRegistry])]
fn widgets_register(_k: &mut Kernel) -> InitResult {
    Ok(())
}

#[late_initcall_sync(requires = [Widgets, InetFamily, IgbDriver])]
fn widgets_late(_k: &mut Kernel) -> InitResult {
    Err(Errno::ENODEV)
}

#[initcall(level = rootfs, requires = [netgen_generated::resources::InitNet])]
fn rootfs_thing(_k: &mut Kernel) -> InitResult {
    Ok(())
}

#[early_initcall]
fn nothing_needed(_k: &mut Kernel) -> InitResult {
    Ok(())
}

fn main() {}
