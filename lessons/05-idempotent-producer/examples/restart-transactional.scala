// The same restart, with a transactional.id: the resend is safe (the Scala twin of restart-transactional.py).
//
// The application from restart-resend, changed in two places: its producer has a transactional.id
// that stays the same across restarts, and each checkpoint is a transaction commit. It dies after
// order 80 with the second transaction open. The restarted application creates its producer with
// the SAME transactional.id: initTransactions() bumps the epoch and aborts what the old instance
// left open, so orders 51-80 of the first attempt are never shown to a read_committed reader. Then
// it sends everything after the last checkpoint again, in a new transaction. The crash is
// simulated: the first producer is flushed and abandoned with its transaction open.
import java.util.Properties
import scala.collection.mutable
import org.apache.kafka.clients.producer.{KafkaProducer, ProducerConfig, ProducerRecord, RecordMetadata}
import org.apache.kafka.common.serialization.StringSerializer

object RestartTransactional:
  val Bootstrap = sys.env("BOOTSTRAP_SERVERS")
  val Topic = "orders"
  val Count = 100
  val CheckpointEvery = 50
  val CrashAfter = 80
  val abandoned = mutable.ListBuffer.empty[KafkaProducer[String, String]]   // a dead process sends no abort

  /** Send orders first..last, one transaction per checkpoint; return the last checkpoint. */
  def sendOrders(first: Int, last: Int, crashAfter: Option[Int] = None): Int =
    val config = Properties()
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Bootstrap)
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "order-sender")   // the same in every run of this application
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000")               // transaction calls wait at most 10 s
    val producer = KafkaProducer[String, String](config)
    producer.initTransactions()   // aborts whatever an earlier instance left open
    var checkpoint = first - 1
    var crashed = false
    var i = first
    producer.beginTransaction()
    while i <= last && !crashed do
      val orderId = s"order-$i"
      println(s"sent $orderId")
      producer.send(ProducerRecord(Topic, orderId), (metadata: RecordMetadata, error: Exception) =>
        if error != null then println(s"failed $orderId ${error.getClass.getSimpleName}")
        else println(s"acked $orderId ${metadata.partition} ${metadata.offset}"))
      if i % CheckpointEvery == 0 then
        producer.commitTransaction()   // the checkpoint: these orders now count
        checkpoint = i
        println(s"checkpoint: orders up to $i are committed")
        if i < last then producer.beginTransaction()
      if crashAfter.contains(i) then
        producer.flush()   // written and acknowledged, but not committed
        println(s"crash after order-$i; last checkpoint was order-$checkpoint")
        abandoned += producer
        crashed = true
      i += 1
    if crashed then checkpoint
    else
      producer.close()
      last

  def main(args: Array[String]): Unit =
    val checkpoint = sendOrders(1, Count, crashAfter = Some(CrashAfter))
    println(s"-- restarted with the same transactional.id: resending everything after order-$checkpoint")
    sendOrders(checkpoint + 1, Count)
