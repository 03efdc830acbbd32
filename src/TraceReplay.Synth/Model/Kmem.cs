namespace TraceReplay.Synth.Model;

/// <summary>kmem.h events in the 3.x formats (call_site=%lx, ptr=%p, no cache name) and the address allocator behind them.</summary>
public sealed class Kmem(Machine m)
{
    ulong _heap = 0xffff880036a00000UL;

    /// <summary>A fresh object address (slab objects are 8-byte aligned; the spread keeps pointers looking real).</summary>
    public ulong NewAddr(int size)
    {
        ulong a = _heap;
        _heap += (ulong)((size + 63) & ~63) + (ulong)(m.Rng.Next(16) * 64);
        return a;
    }

    static int KmallocSize(int req)
    {
        if (req <= 8) return 8;
        if (req <= 16) return 16;
        if (req <= 32) return 32;
        if (req <= 64) return 64;
        if (req <= 96) return 96;
        if (req <= 128) return 128;
        if (req <= 192) return 192;
        int s = 256;
        while (s < req) s <<= 1;
        return s;
    }

    static ulong CallSite(Cpu c) => c.CallSite.Addr + (ulong)Cpu.ReturnOffset(c.CallSite, Syms.KfreeSkbmem);

    public ulong Kmalloc(Cpu c, int bytes, ReadOnlySpan<byte> gfp) => Alloc(c, "kmalloc"u8, bytes, KmallocSize(bytes), gfp);

    public ulong CacheAlloc(Cpu c, int objSize, ReadOnlySpan<byte> gfp) => Alloc(c, "kmem_cache_alloc"u8, objSize, (objSize + 7) & ~7, gfp);

    ulong Alloc(Cpu c, ReadOnlySpan<byte> ev, int req, int alloc, ReadOnlySpan<byte> gfp)
    {
        ulong ptr = NewAddr(alloc);
        var b = c.Tp(ev);
        if (b != null)
        {
            b.Add("call_site="u8); b.Hex(CallSite(c)); b.Add(" ptr="u8); b.Ptr(ptr);
            b.Add(" bytes_req="u8); b.Dec(req); b.Add(" bytes_alloc="u8); b.Dec(alloc);
            b.Add(" gfp_flags="u8); b.Add(gfp);
            c.End();
        }
        return ptr;
    }

    public void Kfree(Cpu c, ulong ptr) => Free(c, "kfree"u8, ptr);

    public void CacheFree(Cpu c, ulong ptr) => Free(c, "kmem_cache_free"u8, ptr);

    void Free(Cpu c, ReadOnlySpan<byte> ev, ulong ptr)
    {
        var b = c.Tp(ev);
        if (b == null) return;
        b.Add("call_site="u8); b.Hex(CallSite(c)); b.Add(" ptr="u8); b.Ptr(ptr);
        c.End();
    }
}
