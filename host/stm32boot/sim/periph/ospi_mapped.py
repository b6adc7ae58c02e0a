"""Memory-mapped mode and nCS rules of the OCTOSPI controller (mixed into octospi.Octospi).

RM0468, OCTOSPI chapter (DCR2 WRAPSIZE, DCR3 CSBOUND, DCR4 REFRESH, LPTR, SR.TOF; memory-mapped
mode); S70KL1281 datasheet (HyperRAM: two 8 MB dies, tCSM 4 µs).

Timeout (CR.TCEN + LPTR, SR.TOF): after LPTR CLK cycles without an access to the window nCS is
released, SR.TOF is set and BUSY drops until the next access. Modelled lazily: one clock event per
idle period, armed at the last OBSERVED access and moved forward when it fires early; no event per
access. APPROXIMATION: with the direct window (mem_map_ptr, reads at memory speed) CPU accesses are
not seen, so the timeout counts from entering memory-mapped mode or the last observed access (a
slow-path access or a debugger/harness read). A firmware that keeps reading a direct window sees
TOF/BUSY=0 earlier than silicon; data is never affected (after a timeout the next access just
re-sends the command). The prefetch that fills the FIFO before the counter starts is not modelled.

Bursts (slow path only): sequential reads continue the burst with nCS low, as the prefetching
controller does; the device is told where the burst began (Transfer.burst_start). CSBOUND splits
every transfer at 2^CSBOUND boundaries into separate commands (nCS released, address re-sent).
REFRESH is stored and checked against the device's tCSM (trace note only, no data effect).
"""
from __future__ import annotations

from dataclasses import replace

TOF = 0x10
WRAP_BYTES = {2: 16, 3: 32, 4: 64, 5: 128}  # DCR2.WRAPSIZE encodings (RM0468, OCTOSPI_DCR2)
_OFF_WHY: dict = {}   # (controller, CR & (FMODE|EN)) -> why its window is off


class MappedMode:
    _off_key = None     # CR's EN/FMODE bits the window was last switched off for (None: set otherwise)
    # ---- state -------------------------------------------------------------------------------
    def _mm_reset(self) -> None:
        for ev in (getattr(self, "_tof_ev", None), getattr(self, "_busy_ev", None)):
            if ev is not None:
                ev.cancel()
        self._tof_ev = self._busy_ev = None
        self._mm_last = 0
        self._burst = None   # (burst start offset, next sequential offset) on the slow path
        self._mm_rd = None

    def _mapped(self) -> bool:
        return self._mapped_mode and self.values[0] & 1

    # ---- CSBOUND: split transfers at 2^CSBOUND boundaries ------------------------------------
    def cs_boundary(self) -> int:
        b = self.get("DCR3", "CSBOUND")
        return 1 << b if b else 0

    def _pieces(self, t):
        """The transfers the controller actually clocks for `t`: one per 2^CSBOUND-byte span."""
        csb = t.cs_boundary
        n = len(t.data) if t.write else t.count
        if not csb or t.address is None or not t.data_lines or n == 0:
            return [t]
        a0 = t.address.value
        if a0 // csb == (a0 + n - 1) // csb:
            return [t]
        out, a, end = [], a0, a0 + n
        while a < end:
            k = min(end, (a // csb + 1) * csb) - a
            p = replace(t, address=replace(t.address, value=a),
                        burst_start=t.burst_start if a == a0 else None)
            if t.write:
                p.data = t.data[a - a0:a - a0 + k]
            else:
                p.count = k
            out.append(p)
            a += k
        return out

    # ---- REFRESH vs the device's tCSM --------------------------------------------------------
    def _refresh_ok(self, read: bool = True) -> tuple[bool, str]:
        """Does DCR4.REFRESH keep every nCS-low period within the device's tCSM (RM0468 DCR4; S70KL1281 datasheet)?"""
        tcsm = getattr(self.device, "t_csm_ps", None)
        if not tcsm:
            return True, ""
        r = self.get("DCR4")
        if r == 0:
            return False, (f"DCR4.REFRESH=0: nCS may stay low longer than the {self.device.name}'s tCSM "
                           f"({tcsm / 1e6:g} µs): the device cannot refresh, data decays on silicon; set REFRESH "
                           f"so that REFRESH+4 CLK cycles <= tCSM (ST's BSP: 400 at 100 MHz)")
        ps = (r + (4 if read else 1)) * self.cycle_ps()
        if ps > tcsm:
            return False, (f"DCR4.REFRESH={r}: nCS released only every {ps / 1e6:.2f} µs, beyond the "
                           f"{self.device.name}'s tCSM ({tcsm / 1e6:g} µs)")
        return True, ""

    def _check_long(self, t) -> None:
        tcsm = getattr(self.device, "t_csm_ps", None)
        if tcsm and t.cycles() * self.cycle_ps() > tcsm:
            ok, why = self._refresh_ok(not t.write)
            if not ok:
                self.note(f"{t.describe()} keeps nCS low {t.cycles() * self.cycle_ps() / 1e6:.1f} µs: {why}")

    # ---- timeout (TCEN/LPTR/TOF) -------------------------------------------------------------
    def _timeout_ps(self) -> int:
        return self.get("LPTR", "TIMEOUT") * self.cycle_ps()

    def _mm_touch(self) -> None:
        """An observed access to the window: nCS (re)asserted, the idle counter restarts."""
        clk = self._clock()
        self._mm_last = clk.now if clk is not None else 0
        if self._mapped() and not self.mm_busy:
            self.mm_busy = True
        self._tof_arm()

    def _tof_arm(self) -> None:
        clk = self._clock()
        if clk is None or self._tof_ev is not None or not self._mapped() or not self.values[0] & 8:
            return
        if not self.mm_busy:
            return  # already timed out: the next access re-arms
        due = self._mm_last + self._timeout_ps()
        self._tof_ev = clk.after(max(0, due - clk.now), self._tof_fire, f"{self.name} timeout")

    def _tof_fire(self) -> None:
        self._tof_ev = None
        if not self._mapped() or not self.values[0] & 8 or not self.mm_busy:
            return
        clk = self._clock()
        due = self._mm_last + self._timeout_ps()
        if clk.now < due:  # an access moved the deadline since the event was armed
            self._tof_ev = clk.after(due - clk.now, self._tof_fire, f"{self.name} timeout")
            return
        self.flags |= TOF
        self.mm_busy = False   # nCS released: BUSY drops until the next access (RM0468, OCTOSPI)
        self._burst = None

    # ---- the window ----------------------------------------------------------------------------
    def _device_changed(self, lo: int, hi: int) -> None:
        if self.window.kind == "direct" and lo == 0 and hi >= self.window.size:
            self._update_window()
        self.window.invalidate(lo, hi)

    def _update_window(self) -> None:
        cr = self.values[0x000]
        if self._busy_ev is not None:
            self._busy_ev.cancel()
            self._busy_ev = None
        if not (cr & 1 and (cr >> 28) & 3 == 3):
            self.mm_busy = self._mapped_mode = False
            self._burst = None
            key = cr & 0x3000_0001
            if self.window.kind == "off" and self._off_key == key:
                return      # indirect-mode command set-up: every config write lands here, nothing changed
            self._off_key = key
            why = _OFF_WHY.get((self.name, key))
            if why is None:    # (an indirect-mode driver switches FMODE at every command: worded once)
                why = "disabled (CR.EN=0)" if not cr & 1 else f"in FMODE={(cr >> 28) & 3}, not memory-mapped (3)"
                why = _OFF_WHY[(self.name, key)] = f"{self.name} window accessed while {self.name} is {why}"
            self.window.set_off(why)
            return
        self._off_key = None     # the window's state is set below, not by the indirect-mode shortcut
        if not self._mapped_mode:
            self.mm_busy = True  # BUSY stays 1 in memory-mapped mode until ABORT or timeout (RM0468, OCTOSPI)
            self._mapped_mode = True
            self._burst = None
            self._mm_touch()
        ok, why = self.port_ok()
        if ok:
            ok, why = self._pins_ok(8, bool(self.get("CCR") >> 29 & 1))
        if not self.clocked():  # evaluated on controller writes only (an RCC change later is not seen)
            ok, why = False, f"{self.name} clock is off (RCC {self.clock_gate[0]} bit {self.clock_gate[1]})"
        if not ok:
            self.window.set_off(why)
            return
        self._config_notes()
        size = min(self.devsize(), 0x1000_0000)
        rd = self._mm_rd = self._build()   # read template for the slow path (rebuilt on config writes)
        wr = self._build("W", write=True) if self.get("WCCR", "DMODE") else None
        view = None if self._dhqc_blocks() else self.device.mapped_view(rd, wr)
        if wr is not None and not (self.get("WCCR") >> 29 & 1):
            self.note("memory-mapped writes with WCCR.DQSE=0: bus error on silicon (errata, docs/hardware-notes.md)")
            wr = None
        if view is not None:
            buf, writable = view
            self.window.set_direct(buf, size, writable and wr is not None)
        else:
            self.window.set_slow(size, self._mm_read, self._mm_write if wr is not None else None)
            nxt, clk = self.device.next_change(), self._clock()
            if nxt is not None and clk is not None:  # device busy: back to the fast path when it is done
                self._busy_ev = clk.after(max(0, nxt - clk.now), self._busy_over, f"{self.name} device ready")

    def _busy_over(self) -> None:
        self._busy_ev = None
        self._update_window()

    def _config_notes(self) -> None:
        """Memory-mapped settings silicon would not survive: tCSM (REFRESH) and wrap reads."""
        ok, why = self._refresh_ok()
        if not ok:
            self.note(f"memory-mapped mode with {why}")
        w = self.get("DCR2", "WRAPSIZE")
        if w:
            n = WRAP_BYTES.get(w)
            sizes = getattr(self.device, "wrap_sizes", ())
            if n is None:
                self.note(f"DCR2.WRAPSIZE={w} is a reserved encoding (RM0468, OCTOSPI_DCR2)")
            elif n not in sizes:
                self.note(f"DCR2.WRAPSIZE={w} ({n}-byte wrapped reads with WPCCR/WPTCR/WPIR/WPABR) but the "
                          f"{self.device.name} is not set up for (or does not support) that wrap read: cache "
                          f"refills starting mid-line would return wrong data; keep WRAPSIZE=0")

    def _mm_read(self, off: int, n: int) -> bytes:
        a0, end = off, off + n
        if self.get("CCR", "DDTR"):  # the controller fetches whole 16-bit words in DTR
            a0, end = off & ~1, (off + n + 1) & ~1
        self._mm_touch()
        nxt = self.device.next_change()
        if nxt is not None:
            self.note(f"memory-mapped read at 0x{self.window.base + off:08X} while the {self.device.name} is "
                      f"busy (program/erase in progress): it ignores the read, the bus floats (0xFF here; "
                      f"silicon stalls or returns garbage); poll WIP before mapping")
        b = self._burst
        start = b[0] if b is not None and b[1] in (off, a0) else a0   # sequential: same nCS-low burst
        csb = self.cs_boundary()
        if csb and start // csb != a0 // csb:
            start = a0 // csb * csb  # nCS was released at the boundary: the burst restarted there
        rd = self._mm_rd
        if rd is None or rd.address is None:
            t = self._build(addr=a0, count=end - a0)
            t.burst_start = start
        else:
            t = replace(rd, address=replace(rd.address, value=a0), count=end - a0, burst_start=start)
        data = self._exchange(t)
        self._burst = (start, end)
        return data[off - a0:off - a0 + n]

    def _mm_write(self, off: int, data: bytes) -> None:
        self._mm_touch()
        self._burst = None
        self._exchange(self._build("W", addr=off, write=True, data=data))

    def fault_hint(self, addr: int) -> str | None:
        return self.window.hint(addr)
