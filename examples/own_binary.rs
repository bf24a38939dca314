// Boot the generated stack from your own binary, then send a UDP datagram
// to yourself over `lo`. Depends on `netgen-generated` only.
use netgen_generated::pernet::Pernet;
use netgen_generated::prelude::Kernel;
use netgen_generated::runtime::dev::NetDevTables;
use netgen_generated::runtime::init::{do_initcalls, BootOptions};
use netgen_generated::runtime::netns::NetNamespaces;
use netgen_generated::runtime::socket::syscalls::{sys_bind, sys_recvfrom, sys_sendto, sys_socket};
use netgen_generated::runtime::stack::{settle, with_cx};
use netgen_generated::runtime::tables::SockAddr;
use netgen_generated::runtime::Errno;
// Link the crates whose `#[..._initcall]`s should join the boot:
// use my_protocol as _;

fn main() -> Result<(), Errno> {
    // A kernel for 2 CPUs; its states are empty until initcalls provide them.
    let mut kernel = Kernel::new(2);
    // The spec's initcall table merged with every linked crate's, sorted by
    // level and dependencies and checked before anything runs.
    let plan = netgen_generated::plan();
    // Linux's do_initcalls: level by level; a failure is logged, boot goes
    // on, and what needed the failed initcall is skipped.
    let report = do_initcalls(&mut kernel, &plan, &BootOptions::default());
    for line in kernel.log() {
        println!("{line}"); // the initcall_debug trace, then the summary
    }
    assert!(report.all_ok(), "{}", report.summary());

    // The booted stack: a UDP socket in init_net talks to itself over lo.
    let net = kernel.get::<NetNamespaces<Pernet>>()?.init_net();
    let to = SockAddr::Inet("127.0.0.1:7777".parse().expect("an address"));
    let fd = with_cx(&kernel, &net, |cx| {
        cx.state_mut::<NetDevTables>()?.ip_link_set_up("lo")?; // `ip link set lo up`
        let fd = sys_socket(cx, 2, 2, 0)?; // PF_INET, SOCK_DGRAM
        sys_bind(cx, fd, &to)?;
        sys_sendto(cx, fd, b"hello", Some(&to), 0)?;
        Ok::<_, Errno>(fd)
    })??;
    settle(&kernel, &[&net])?; // run NET_RX until lo is quiet
    let mut buf = [0u8; 64];
    let (n, from) = with_cx(&kernel, &net, |cx| sys_recvfrom(cx, fd, &mut buf, 0))??;
    assert_eq!((&buf[..n], from), (&b"hello"[..], Some(to)));
    println!("received {:?} over lo", String::from_utf8_lossy(&buf[..n]));
    Ok(())
}
